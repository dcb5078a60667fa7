"""Money out (docs/money.md): budgets, what awards commit against them, the
claims councils make against their awards and the payments finance records.

Money is Decimal pounds to the penny (savings.models.MONEY); financial years
are `2013/14` strings. Every write goes through programmes.payments.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from programmes.models import Council, Strand
from savings.models import MONEY, TOTAL, Investment
from savings.years import FINANCIAL_YEAR_REGEX, validate_financial_year

COMMIT_OVER_BUDGET = "payments.commit_over_budget"
RECORD_PAYMENTS = "payments.record_payments"


class Funder(models.TextChoices):
    # The source paper's "Financial implications": the programme's resources
    # are in the LGA's business plan for 2013/14; OPE's come from the Cabinet Office.
    LGA_BUSINESS_PLAN = "lga_business_plan", "LGA business plan"
    CABINET_OFFICE = "cabinet_office", "Cabinet Office"


class Budget(models.Model):
    """What one funder lets a strand spend in one financial year."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="budgets")
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    funder = models.CharField(max_length=20, choices=Funder.choices)
    amount = models.DecimalField(**MONEY)
    # Why the budget was set or last changed; every change is kept in BudgetChange.
    reason = models.TextField(max_length=1000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["financial_year", "strand_id", "funder"]
        permissions = [
            # Given to named officers, never to the officers' group (programmes.roles):
            # the scheme of delegation's budget holders.
            ("commit_over_budget", "Approves awards beyond a strand's budget, with a reason"),
            # "LGA finance": records that an approved claim has been paid.
            ("record_payments", "LGA finance: records payments of approved claims"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["strand", "financial_year", "funder"], name="budget_one_per_funder_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="budget_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="budget_financial_year_format",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.strand} {self.financial_year} ({self.get_funder_display()}): £{self.amount:,}"
        )


class BudgetChange(models.Model):
    """One setting of a budget: from what, to what, why, by whom."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="changes")
    amount_before = models.DecimalField(**MONEY, null=True, blank=True)
    amount_after = models.DecimalField(**MONEY)
    reason = models.TextField(max_length=1000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.budget}: changed {self.changed_at:%-d %B %Y}"


class StrandLedger(models.Model):
    """The finance system's codes for a strand's payments (the exports)."""

    strand = models.OneToOneField(Strand, on_delete=models.CASCADE, related_name="ledger")
    cost_centre = models.CharField(max_length=30)
    nominal_code = models.CharField("account code", max_length=30)

    def __str__(self) -> str:
        return f"{self.strand}: {self.cost_centre}/{self.nominal_code}"


class CallClaimRule(models.Model):
    """A call's scheme of delegation for claims: above this a second officer approves."""

    call = models.OneToOneField(
        "applications.Call", on_delete=models.CASCADE, related_name="claim_rule"
    )
    second_approval_above = models.DecimalField(
        "second officer approves claims above (£)", **MONEY, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(second_approval_above__gte=0),
                name="claim_rule_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Claims on {self.call}"


class Commitment(models.Model):
    """What an award has promised, against its financial year's budget.

    `amount` is what is committed now: the award's value, less what a
    reduction or withdrawal released (never below what has been claimed).
    An award is an approved bid, or money allocated outside bids (OPE's
    Cabinet Office resource for a pilot), known by its investment."""

    application = models.OneToOneField(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitment",
    )
    investment = models.OneToOneField(
        Investment, null=True, blank=True, on_delete=models.PROTECT, related_name="commitment"
    )
    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="+")
    # The award's lead council (its scope in the rollups). It claims, and so
    # do the partners that confirmed, each on its share (docs/money.md).
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="commitments")
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    awarded = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    over_budget_reason = models.TextField(blank=True)
    committed_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    change_reason = models.TextField("reason for the last reduction or withdrawal", blank=True)

    class Meta:
        ordering = ["financial_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) & models.Q(amount__lte=models.F("awarded")),
                name="commitment_amount_within_award",
            ),
            models.CheckConstraint(
                condition=models.Q(application__isnull=False) | models.Q(investment__isnull=False),
                name="commitment_is_of_an_award",
            ),
        ]
        indexes = [
            # The board's totals: GROUP BY strand, year.
            models.Index(fields=["strand", "financial_year"], name="commitment_strand_year"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} committed to {self.council} ({self.financial_year})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_in_adviser_days(self) -> bool:
        """An award of adviser days (Growth): the LGA pays the adviser's
        organisation for the days logged (adviser days costed, docs/money.md);
        the council has nothing of its own to claim."""
        return (
            self.application_id is not None and self.application.award_days is not None  # type: ignore[union-attr]
        )

    @property
    def reference(self) -> str:
        if self.application_id is not None:
            return self.application.reference  # type: ignore[union-attr]
        return f"{self.strand.name} allocation {self.pk}"

    @property
    def label(self) -> str:
        """The award as people know it: the bid's reference and title, or the allocation."""
        if self.application_id is not None:
            return f"{self.application.reference}: {self.application.title}"  # type: ignore[union-attr]
        assert self.investment is not None
        return f"{self.reference}: {self.investment.description or 'allocation'}"


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for an officer's check"
    FIRST_APPROVED = "first_approved", "Waiting for a second officer"
    APPROVED = "approved", "Approved: waiting for payment"
    PAID = "paid", "Paid"
    SENT_BACK = "sent_back", "Sent back"


# Claims that use up the award (everything but those sent back).
LIVE_CLAIM_STATES = (
    ClaimState.SUBMITTED,
    ClaimState.FIRST_APPROVED,
    ClaimState.APPROVED,
    ClaimState.PAID,
)


class Claim(models.Model):
    """A council's claim for what it spent on its award: the lead's, or a
    confirmed partner's on its share of a shared award (`council`)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="claims")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="claims")
    amount = models.DecimalField(**MONEY)
    period_from = models.DateField()
    period_to = models.DateField()
    # Kept as the council typed it, compared trimmed and case-insensitively.
    invoice_reference = models.CharField(max_length=60)
    invoice_key = models.CharField(max_length=60, editable=False)
    # The stored name under PRIVATE_STORAGE_ROOT (programmes.documents).
    evidence = models.CharField(max_length=200, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    # Who is paid when it is not the council: a Growth adviser's organisation,
    # for adviser days an officer costed (programmes.growth.services.adviser_days_cost).
    # Blank: the council is paid.
    payee = models.CharField("paid to", max_length=200, blank=True)
    state = models.CharField(max_length=20, choices=ClaimState.choices)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = models.TextField(blank=True)
    sent_back_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=60, blank=True)
    payment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")),
                name="claim_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=ClaimState.PAID) | models.Q(paid_on__isnull=False),
                name="claim_paid_has_date",
            ),
            # One live claim per invoice on an award; a claim sent back frees
            # its invoice for the corrected claim.
            models.UniqueConstraint(
                fields=["commitment", "invoice_key"],
                condition=~models.Q(state=ClaimState.SENT_BACK),
                name="claim_one_per_invoice",
            ),
        ]
        indexes = [
            # Officers' queue and the finance export: WHERE state = ?.
            models.Index(fields=["state", "submitted_at"], name="claim_state_submitted"),
        ]

    def __str__(self) -> str:
        return f"Claim of £{self.amount:,} by {self.council} ({self.invoice_reference})"

    @property
    def supplier(self) -> str:
        """Who finance pays: the adviser's organisation, or the council."""
        return self.payee or self.council.name


class MoneyRollup(models.Model):
    """Committed, claimed and paid per (strand, council, financial year) scope
    and call, kept by the savings outbox and drain (docs/money.md, "Rollups").

    Rebuilt by `programmes.payments.rollups` from commitments and claims
    whenever a service marks the scope, never adjusted by a delta; a
    recompute from scratch gives the same rows. One row per call (none for
    awards made outside bids), so the board's forecast can read each call's
    support period."""

    strand = models.ForeignKey(Strand, on_delete=models.CASCADE, related_name="+")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    financial_year = models.CharField(max_length=7)
    call = models.ForeignKey(
        "applications.Call", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    committed = models.DecimalField(**TOTAL)
    awarded = models.DecimalField(**TOTAL)
    awards = models.PositiveIntegerField(default=0)
    # Claims not sent back (LIVE_CLAIM_STATES), and of those the paid.
    claimed = models.DecimalField(**TOTAL)
    paid = models.DecimalField(**TOTAL)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "money rollup"
        indexes = [
            models.Index(fields=["strand", "council", "financial_year"], name="moneyrollup_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.strand_id}:{self.council_id}:{self.financial_year}:{self.call_id}"
