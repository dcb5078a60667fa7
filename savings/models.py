"""Investment and savings facts: typed rows, never JSON blobs.

Money is Decimal pounds to the penny. Financial years are `2013/14` strings
(`savings.years`), which sort in date order. The savings issue adds the
outbox and rollups on top of these facts.
"""

from __future__ import annotations

from django.db import models

from programmes.models import Council, Strand
from savings.years import FINANCIAL_YEAR_REGEX, validate_financial_year

MONEY = {"max_digits": 14, "decimal_places": 2}


class InvestmentSource(models.TextChoices):
    LGA_GRANT = "lga_grant", "LGA grant"
    CABINET_OFFICE = "cabinet_office", "Cabinet Office allocation"
    ADVISER_DAYS = "adviser_days", "Adviser days at a day rate"
    PARTNER = "partner", "Partner contribution"


class Investment(models.Model):
    """What the LGA (or a partner) puts into a council's work in a strand."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="investments")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="investments")
    # The award: an approved bid, where the money came through one.
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investments",
    )
    source = models.CharField(max_length=20, choices=InvestmentSource.choices)
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(**MONEY)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["financial_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="investment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="investment_financial_year_format",
            ),
        ]
        indexes = [
            # The rollup recompute of one scope: WHERE strand, council, year.
            models.Index(fields=["strand", "council", "financial_year"], name="investment_scope"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} to {self.council} ({self.financial_year})"


class SavingsKind(models.TextChoices):
    PROJECTED = "projected", "Projected (identified)"
    TARGET = "target", "Target"
    REALISED = "realised", "Realised"


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    RECURRING = "recurring", "Recurring (a year)"


class SavingsEntry(models.Model):
    """A saving for one council, strand and financial year."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="savings")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="savings")
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="savings",
    )
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    kind = models.CharField(max_length=20, choices=SavingsKind.choices)
    recurrence = models.CharField(
        max_length=20, choices=Recurrence.choices, default=Recurrence.ONE_OFF
    )
    amount = models.DecimalField(**MONEY)
    evidence = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["financial_year", "pk"]
        verbose_name_plural = "savings entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="savings_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="savings_financial_year_format",
            ),
        ]
        indexes = [
            # The rollup recompute of one scope: WHERE strand, council, year.
            models.Index(fields=["strand", "council", "financial_year"], name="savings_scope"),
        ]

    def __str__(self) -> str:
        kind = self.get_kind_display().lower()
        return f"£{self.amount:,} {kind} by {self.council} ({self.financial_year})"
