"""A Productivity Experts bid's own answers (board paper paras 6-9)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import models, transaction

from savings.years import validate_financial_year

# The savings page's per-year fields are named like savings_2013_14.
PROJECTION_KEY = re.compile(r"^savings_(\d{4})_(\d{2})$")


class ExpertsBidDetail(models.Model):
    """What expert a council needs, what they will do, and the savings expected.

    Funding requested and the councils served are on the bid itself
    (`Application.amount_requested`, `partner_councils`): the generic
    lifecycle checks them against the call's limits.
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="experts_detail"
    )
    expertise_field = models.CharField("Field of expertise needed", max_length=200, blank=True)
    expert_role = models.TextField("What the expert will do", blank=True)
    savings_target = models.DecimalField(
        "Savings target", max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "Productivity Experts bid detail"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(savings_target__isnull=True) | models.Q(savings_target__gte=0),
                name="experts_savings_target_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Experts detail of {self.application_id}"

    def projections_by_year(self) -> dict[str, Decimal]:
        return {row.financial_year: row.amount for row in self.projections.all()}

    @transaction.atomic
    def save_extra_answers(self, cleaned_data: dict) -> None:
        """Write the projected savings per financial year (called by the bid service)."""
        for key, amount in cleaned_data.items():
            match = PROJECTION_KEY.match(key)
            if match is None:
                continue
            year = f"{match.group(1)}/{match.group(2)}"
            if amount is None:
                self.projections.filter(financial_year=year).delete()
            else:
                self.projections.update_or_create(financial_year=year, defaults={"amount": amount})


class ExpertsSavingsProjection(models.Model):
    """Projected savings for one financial year, as the bid states them."""

    detail = models.ForeignKey(
        ExpertsBidDetail, on_delete=models.CASCADE, related_name="projections"
    )
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["detail", "financial_year"], name="one_projection_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="projection_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} in {self.financial_year}"
