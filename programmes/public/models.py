"""The public "Productivity and commissioning" page's own content (board paper paras 29-31)."""

from __future__ import annotations

from django.db import models


class Initiative(models.Model):
    """Something the LGA offers councils around productivity and commissioning.

    Para 29: the page "collates the various different initiatives that the LGA
    provides around commissioning, such as the Commissioning Academy and the
    Keep it REAL support programme", beside the programme's own strands.
    Only published initiatives are shown to the public.
    """

    title = models.CharField(max_length=200, unique=True)
    summary = models.TextField()
    strand = models.ForeignKey(
        "programmes.Strand",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
        help_text="The programme strand this describes, if it is one",
    )
    link_url = models.URLField("Link for more information", blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=False, help_text="Shown on the public page")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "title"]
        indexes = [
            # The public page: WHERE published ORDER BY display_order, title.
            models.Index(
                fields=["published", "display_order", "title"], name="public_initiative_page"
            ),
        ]

    def __str__(self) -> str:
        return self.title
