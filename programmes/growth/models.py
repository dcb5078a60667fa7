"""A Local Economic Growth Advisers bid's own answers (board paper paras 15-18)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class AdviserSource(models.TextChoices):
    """Para 15.1: where the panel's advisers are recruited from."""

    LOCAL_PARTNERSHIPS = "local_partnerships", "Local Partnerships"
    THIRD_SECTOR = "third_sector", "A third-sector organisation"
    HOUSING_ASSOCIATION = "housing_association", "A housing association"
    PEER = "peer", "A council member or officer peer"
    BUSINESS = "business", "The CBI or another business-led organisation"


class Adviser(models.Model):
    """A member of the panel of Local Growth Advisers (para 15).

    Expertise areas are the bid's support areas (para 15.2), as the same typed
    flags, so matching compares like with like.
    """

    name = models.CharField(max_length=200)
    source = models.CharField("recruited from", max_length=30, choices=AdviserSource.choices)
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The organisation or council they come from"
    )
    support_strategy = models.BooleanField("Strategy", default=False)
    support_business = models.BooleanField(
        "Business engagement, retention and creation", default=False
    )
    support_infrastructure = models.BooleanField("Infrastructure development", default=False)
    support_inward_investment = models.BooleanField("Inward investment", default=False)
    support_regeneration = models.BooleanField("Regeneration and housing", default=False)
    biography = models.TextField(blank=True)
    # An adviser who leaves the panel keeps their history of matches and days.
    active = models.BooleanField("on the panel", default=True)
    # On the panel from `joined_on` until `left_on` (None: still on it), so
    # the board can count the panel as at a date (docs/board.md, "As at a
    # date"). Set by the services: today, or a date given with a reason. One
    # stint: an adviser who rejoins is on the panel from the day they rejoin.
    joined_on = models.DateField("joined the panel on", default=timezone.localdate)
    left_on = models.DateField("left the panel on", null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "organisation"], name="adviser_unique_name"),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="adviser_leaves_after_joining",
                violation_error_message="An adviser cannot leave the panel before joining it",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def expertise(self) -> list[str]:
        return [label for field, label in SUPPORT_AREAS if getattr(self, field)]


class AdviserMatch(models.Model):
    """The adviser matched to an approved Growth Advisers bid: one per bid.

    An officer may change the adviser; days already logged stay with the
    adviser who worked them (`AdviserDay.adviser`).
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="adviser_match"
    )
    adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="matches")
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-matched_at"]
        verbose_name_plural = "adviser matches"

    def __str__(self) -> str:
        return f"{self.adviser} for {self.application_id}"


class AdviserDay(models.Model):
    """Days of adviser support given on one date against an award (para 18).

    Never more, in total, than the bid's `award_days`, and only inside the
    call's support window: `services.adviser_days_log` enforces both under a
    row lock on the bid. Half days are allowed.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="adviser_days"
    )
    adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="days")
    worked_on = models.DateField("date of the support")
    days = models.DecimalField(max_digits=4, decimal_places=1)
    # The call's day rate when the days were logged: the days are costed at
    # it (docs/money.md, "Adviser days"), whatever the call's rate is later.
    day_rate = models.DecimalField(
        "day rate (£)", max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    description = models.TextField("what the adviser did", blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["worked_on", "pk"]
        verbose_name = "adviser day"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gt=0) & models.Q(days__lte=14),
                name="adviser_day_days_in_range",
                violation_error_message="Log more than 0 and at most 14 days at a time",
            ),
        ]
        indexes = [
            # The days-used total per bid: SUM(days) WHERE application = ?.
            models.Index(fields=["application", "worked_on"], name="adviser_day_by_bid"),
        ]

    def __str__(self) -> str:
        return f"{self.days} days on {self.worked_on:%-d %B %Y}"


class AdviserCosting(models.Model):
    """Adviser days logged over a period, costed at their day rate and made
    payable to the adviser's organisation as a claim on the award
    (docs/money.md, "Adviser days"). The claim goes the way a council's
    does: checked and approved (a second officer above the call's limit),
    then paid by LGA finance; sent back, its days may be costed again.

    Written only by `services.adviser_days_cost`; the note by
    `services.adviser_costing_update`."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="adviser_costings"
    )
    adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="costings")
    claim = models.OneToOneField(
        "payments.Claim", on_delete=models.PROTECT, related_name="adviser_costing"
    )
    period_from = models.DateField("days worked from")
    period_to = models.DateField("days worked to")
    days = models.DecimalField(max_digits=4, decimal_places=1)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(blank=True)
    costed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    costed_at = models.DateTimeField()

    class Meta:
        ordering = ["-costed_at", "-pk"]
        verbose_name = "adviser days costed"
        verbose_name_plural = "adviser days costed"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gt=0) & models.Q(amount__gte=0),
                name="adviser_costing_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")),
                name="adviser_costing_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days.normalize():f} adviser days costed at £{self.amount:,}"


class AdviserDayCost(models.Model):
    """One logged day on a costing, at the day rate it was logged at."""

    costing = models.ForeignKey(AdviserCosting, on_delete=models.PROTECT, related_name="lines")
    adviser_day = models.ForeignKey(AdviserDay, on_delete=models.PROTECT, related_name="costs")
    days = models.DecimalField(max_digits=4, decimal_places=1)
    day_rate = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Set when the costing's claim was found sent back: its days are free to
    # be costed again (services.adviser_days_cost, under the bid's lock).
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["adviser_day__worked_on", "pk"]
        constraints = [
            # No day paid twice: one costing at a time holds a logged day.
            models.UniqueConstraint(
                fields=["adviser_day"],
                condition=models.Q(released_at__isnull=True),
                name="adviser_day_costed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days.normalize():f} days at £{self.day_rate:,}"
