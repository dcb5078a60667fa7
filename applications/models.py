"""Calls (funding rounds) and bids. The foundation lays the skeleton that
`savings` refers to; the bids issue grows the lifecycle on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from programmes.models import Council, Strand


class Call(models.Model):
    """A strand's funding round."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="calls")
    title = models.CharField(max_length=200)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    assessment_due = models.DateField(null=True, blank=True)
    guidance = models.TextField(blank=True)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(max_amount__isnull=True) | models.Q(max_amount__gte=0),
                name="call_max_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ApplicationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_ASSESSMENT = "in_assessment", "In assessment"
    MORE_INFORMATION = "more_information", "More information requested"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Application(models.Model):
    """A council's bid to a call. Approved with an award, it becomes the award
    that investment and savings refer to."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    lead_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="led_applications"
    )
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    state = models.CharField(
        max_length=20, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    award_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    award_days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(award_amount__isnull=True) | models.Q(award_amount__gte=0),
                name="application_award_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"
