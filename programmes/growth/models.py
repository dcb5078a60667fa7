"""A Local Economic Growth Advisers bid's own answers (board paper paras 15-18)."""

from __future__ import annotations

from django.db import models

# Para 15.2: the areas an adviser can support.
SUPPORT_AREAS = (
    ("support_strategy", "Strategy"),
    ("support_business", "Business engagement, retention and creation"),
    ("support_infrastructure", "Infrastructure development"),
    ("support_inward_investment", "Inward investment"),
    ("support_regeneration", "Regeneration and housing"),
)


class GrowthBidDetail(models.Model):
    """The project, the support areas and the local partnership context.

    The days requested (1-14) are on the bid itself (`Application.days_requested`),
    where the generic lifecycle checks them against the call's limit.
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="growth_detail"
    )
    project = models.TextField("The project", blank=True)
    support_strategy = models.BooleanField(default=False)
    support_business = models.BooleanField(default=False)
    support_infrastructure = models.BooleanField(default=False)
    support_inward_investment = models.BooleanField(default=False)
    support_regeneration = models.BooleanField(default=False)
    # Para 16: bids note the sub-region, the LEP and any "LEP deal".
    sub_region = models.CharField(max_length=200, blank=True)
    lep = models.CharField("Local Enterprise Partnership", max_length=200, blank=True)
    lep_deal = models.TextField("LEP deal", blank=True)

    class Meta:
        verbose_name = "Growth Advisers bid detail"

    def __str__(self) -> str:
        return f"Growth detail of {self.application_id}"

    @property
    def support_areas(self) -> list[str]:
        return [label for field, label in SUPPORT_AREAS if getattr(self, field)]
