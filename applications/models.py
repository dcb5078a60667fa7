"""Calls (funding rounds), bids, their events, scores and supporting documents.

The lifecycle is generic: a strand's own questions live in a one-to-one model
in the strand's app, found through the strand registry (`programmes.strands`).
Every write goes through `applications.services`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from programmes.models import Council, Strand
from programmes.strands import strands

# The rules a call's fields must keep: (constraint name, condition, the field
# an error is shown against, the message).
CALL_RULES = [
    (
        "call_closes_after_it_opens",
        models.Q(closes_at__gt=models.F("opens_at")),
        "closes_at",
        "The closing date must be after the opening date",
    ),
    (
        "call_max_amount_not_negative",
        models.Q(max_amount__isnull=True) | models.Q(max_amount__gte=0),
        "max_amount",
        "The most a bid can ask for cannot be negative",
    ),
    (
        "call_limits_amount_or_days",
        models.Q(max_amount__isnull=True) | models.Q(max_days__isnull=True),
        "max_days",
        "A call awards either pounds or adviser days, not both",
    ),
    (
        "call_days_have_a_day_rate",
        models.Q(max_days__isnull=True) | models.Q(day_rate__isnull=False),
        "day_rate",
        "Enter the day rate used to value adviser days",
    ),
    (
        "call_support_window_in_order",
        models.Q(support_from__isnull=True)
        | models.Q(support_until__isnull=True)
        | models.Q(support_until__gte=models.F("support_from")),
        "support_until",
        "The end of the support window must be after its start",
    ),
    # The reporting schedule of the call's awards (docs/savings.md, "Returns").
    (
        "call_reporting_has_a_start",
        models.Q(return_frequency="") | models.Q(returns_from__isnull=False),
        "returns_from",
        "Enter the date the first reporting period starts",
    ),
    (
        "call_reporting_has_years",
        models.Q(return_frequency="") | models.Q(return_years__isnull=False, return_years__gte=1),
        "return_years",
        "Enter for how many years, at least 1, awards report savings",
    ),
    (
        "call_return_line_limit_positive",
        models.Q(return_line_limit__isnull=True) | models.Q(return_line_limit__gt=0),
        "return_line_limit",
        "The largest amount on a line of a return must be more than £0",
    ),
]


class ReturnFrequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Half-yearly"
    ANNUAL = "annual", "Annual"


# Months in each reporting period.
FREQUENCY_MONTHS = {
    ReturnFrequency.QUARTERLY: 3,
    ReturnFrequency.HALF_YEARLY: 6,
    ReturnFrequency.ANNUAL: 12,
}


class Call(models.Model):
    """A strand's funding round: bids can be started and submitted only while it is open."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="calls")
    title = models.CharField(max_length=200)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    assessment_due = models.DateField(null=True, blank=True)
    guidance = models.TextField(blank=True)
    # Limits on an award. A call awards pounds (max_amount) or adviser days
    # (max_days), never both.
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Days are valued at this rate when an award is recorded as investment
    # (docs/bids.md: "Adviser days as investment").
    day_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pounds per adviser day, used to record awarded days as investment",
    )
    # The scheme of delegation (docs/bids.md, "Decision rights"): an award
    # worth more than this needs a second decider to agree before it is
    # final (four eyes). Blank: one decider is enough.
    second_decision_above = models.DecimalField(
        "second decider needed above (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "Awards worth more than this need a second officer who decides awards to agree. "
            "Leave blank if one decider is enough"
        ),
        validators=[MinValueValidator(0, "Enter £0 or more (blank: one decider is enough)")],
    )
    # When awarded support must be used (para 18: September 2013 - February 2014).
    support_from = models.DateField(null=True, blank=True)
    support_until = models.DateField(null=True, blank=True)
    # How the call's awards report savings (savings.schedule): blank
    # frequency = no returns. Periods run from `returns_from`, each a
    # quarter, half-year or year long, for `return_years` after the award.
    return_frequency = models.CharField(
        "how often awards send a savings return",
        max_length=20,
        choices=ReturnFrequency.choices,
        blank=True,
        help_text="Leave blank if this call's awards send no returns",
    )
    returns_from = models.DateField(
        "first reporting period starts", null=True, blank=True, help_text="For example 1/4/2013"
    )
    return_years = models.PositiveSmallIntegerField(
        "years of reporting after the award", null=True, blank=True
    )
    return_due_days = models.PositiveSmallIntegerField(
        "days after a period ends that its return is due", default=30
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        "days before the due date that a reminder is sent", default=14
    )
    overdue_days_after = models.PositiveSmallIntegerField(
        "days after the due date that an overdue notice is sent", default=7
    )
    return_line_limit = models.DecimalField(
        "largest amount on one line of a return",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="In pounds; blank for the portal's limit of £100,000,000",
    )
    projection_years_ahead = models.PositiveSmallIntegerField(
        "financial years ahead a projection may be for",
        default=3,
        help_text="0 allows projections for the current financial year only",
    )
    # A return is sent to the LGA only once the council's finance officer
    # has certified it (docs/savings.md, "Certification"). Read when the
    # council sends a return: returns sent before it was ticked stay as sent.
    returns_need_certification = models.BooleanField(
        "returns must be certified by the council's finance officer",
        default=False,
        help_text=(
            "The council's chief finance officer (section 151 officer) or a deputy certifies "
            "each return before it reaches the LGA"
        ),
    )
    # Officers assigned to score each bid sent to this call (services.application_submit).
    default_assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Officers assigned to score every bid sent to this call",
    )

    class Meta:
        ordering = ["-opens_at"]
        # One rule each, stated once: the database enforces it, and
        # validate_constraints() shows its message against its field.
        constraints = [
            models.CheckConstraint(
                condition=condition,
                name=name,
                violation_error_code=name,
                violation_error_message=message,
            )
            for name, condition, _field, message in CALL_RULES
        ]

    def __str__(self) -> str:
        return self.title

    def validate_constraints(self, exclude=None) -> None:
        """The constraints' errors, each against the field it is about (the
        admin shows them beside the field rather than above the form)."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            fields = {name: field for name, _condition, field, _message in CALL_RULES}
            by_field: dict[str, list[ValidationError]] = {}
            for key, errors in error.error_dict.items():
                for item in errors:
                    by_field.setdefault(fields.get(item.code or "", key), []).append(item)
            raise ValidationError(by_field) from None

    @property
    def awards_days(self) -> bool:
        return self.max_days is not None

    def award_value(self, amount: Decimal | None, days: int | None) -> Decimal | None:
        """An award in pounds: days are valued at the day rate (docs/bids.md,
        "Adviser days as investment"); None for days without a rate."""
        if days is not None:
            if self.day_rate is None:
                return None
            return (self.day_rate * days).quantize(Decimal("0.01"))
        return amount

    def is_open(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    def closing_text(self) -> str:
        """GOV.UK style: "5pm on 24 January 2027", "11:59pm on 31 July 2013"."""
        closes = timezone.localtime(self.closes_at)
        hour = f"{closes:%-I}" if closes.minute == 0 else f"{closes:%-I:%M}"
        return f"{hour}{closes:%p}".lower() + f" on {closes:%-d %B %Y}"


class ApplicationState(models.TextChoices):
    # Labels are the officers' names; applicants see APPLICANT_STATE_NAMES.
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_ASSESSMENT = "in_assessment", "In assessment"
    MORE_INFORMATION = "more_information", "More information requested"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


APPLICANT_STATE_NAMES = {
    ApplicationState.DRAFT: "Not sent yet",
    ApplicationState.SUBMITTED: "Sent",
    ApplicationState.IN_ASSESSMENT: "Being assessed",
    ApplicationState.MORE_INFORMATION: "We need more information",
    ApplicationState.APPROVED: "Successful",
    ApplicationState.DECLINED: "Not successful",
    ApplicationState.WITHDRAWN: "Withdrawn",
}

# GOV.UK tag colours for the applicant-facing state.
STATE_TAG_CLASSES = {
    ApplicationState.DRAFT: "govuk-tag--grey",
    ApplicationState.SUBMITTED: "govuk-tag--blue",
    ApplicationState.IN_ASSESSMENT: "govuk-tag--light-blue",
    ApplicationState.MORE_INFORMATION: "govuk-tag--orange",
    ApplicationState.APPROVED: "govuk-tag--green",
    ApplicationState.DECLINED: "govuk-tag--red",
    ApplicationState.WITHDRAWN: "govuk-tag--grey",
}

OPEN_STATES = (
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.IN_ASSESSMENT,
    ApplicationState.MORE_INFORMATION,
)


class Recommendation(models.TextChoices):
    FUND = "fund", "Fund"
    FUND_WITH_CONDITIONS = "fund_with_conditions", "Fund with conditions"
    DO_NOT_FUND = "do_not_fund", "Do not fund"


class ReferenceSequence(models.Model):
    """The last number given out per prefix and year, for references like PE-2013-0042.

    A row per (prefix, year) locked with SELECT ... FOR UPDATE, so two bids
    started at the same moment never get the same number.
    """

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_prefix_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Application(models.Model):
    """A council's bid to a call. Approved with an award, it becomes the award
    that investment and savings refer to."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    lead_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="led_applications"
    )
    partner_councils = models.ManyToManyField(
        Council, blank=True, related_name="partner_applications"
    )
    # Readable on the phone: strand prefix, year, four digits (PE-2013-0042).
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    amount_requested = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    days_requested = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(
        max_length=20, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    # Bumped by every save of the draft: a save that brings an older version
    # is a stale edit (two users of one council on one draft).
    version = models.PositiveIntegerField(default=1)
    award_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    award_days = models.PositiveSmallIntegerField(null=True, blank=True)
    recommendation = models.CharField(max_length=30, choices=Recommendation.choices, blank=True)
    assessment_notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the council's answer to the open request for more information is
    # due: shown in the banner at the top of its bid.
    information_due_on = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the council answers a request for more information, cleared
    # when an officer has read the answer: the "answers to read" queue.
    information_answered_at = models.DateTimeField(null=True, blank=True)
    # The officer who moderates the assessors' scores and decides.
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The lead's reason for the moderated scores and recommendation.
    moderation_reason = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    # The lead closed scoring before every assessor had submitted (one away,
    # say), with the reason: the scores are then shown to the lead and
    # deciders and moderation opens (applications.workflow).
    scoring_closed_at = models.DateTimeField(null=True, blank=True)
    scoring_closed_reason = models.TextField(blank=True)
    # Stored by the services (`services._mean_store`), so that the list sorts
    # and shows it from an index: the moderated mean where the lead has
    # scored, otherwise the mean of the assessors' submitted scores. Not
    # applicable is left out of both.
    mean_score = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    # Title, summary and every answer as text, kept by the services for the
    # officers' search (a GIN index over its tsvector on PostgreSQL).
    search_document = models.TextField(blank=True, editable=False)
    # Empty for bids loaded by the system (demo data, imports).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When retention removed the bid's personal data (applications.retention):
    # set once, so a second run skips the bid.
    anonymised_at = models.DateTimeField(
        "personal data removed", null=True, blank=True, editable=False
    )
    # Not a column: set by services.application_create, False when it
    # returned the council's existing draft instead of a new bid.
    created: bool
    # Not a column: set by selectors.application_get_for_user, as whom a
    # council user reads the bid (selectors.LEAD, SUCCESSOR or PARTNER).
    viewer: str
    # Not a column: for a PARTNER viewer whose own council is not named, the
    # council it succeeded that confirmed (selectors._viewer); else None.
    partner_via: Council | None = None

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "bid"
        permissions = [
            # Given to named officers in the admin, never to the officers'
            # group (programmes.roles): the scheme of delegation.
            ("decide_awards", "Decides awards (approves and declines bids)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(award_amount__isnull=True) | models.Q(award_amount__gte=0),
                name="application_award_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_requested__isnull=True)
                | models.Q(amount_requested__gte=0),
                name="application_amount_requested_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="approved")
                | models.Q(award_amount__isnull=False)
                | models.Q(award_days__isnull=False),
                name="approved_application_has_award",
            ),
            # One draft per council per call: "Start a bid" on a call where the
            # council has a draft takes it to that draft (applications.services).
            models.UniqueConstraint(
                fields=["call", "lead_council"],
                condition=models.Q(state="draft"),
                name="one_draft_per_council_per_call",
            ),
        ]
        indexes = [
            # "Your council's bids": WHERE lead_council = ? ORDER BY created_at DESC.
            models.Index(fields=["lead_council", "-created_at"], name="application_council_list"),
            # The admin's state filter and the officers' queue by state.
            models.Index(fields=["state", "submitted_at"], name="application_state_queue"),
            # The bid list: newest sent first, and sorted by mean score.
            models.Index(fields=["-submitted_at", "-created_at", "-id"], name="application_sent"),
            models.Index(fields=["mean_score", "id"], name="application_mean"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title or 'untitled bid'}"

    def get_absolute_url(self) -> str:
        return reverse("applications:bid_detail", args=[self.reference])

    @property
    def applicant_state(self) -> str:
        return APPLICANT_STATE_NAMES[ApplicationState(self.state)]

    @property
    def state_tag_class(self) -> str:
        return STATE_TAG_CLASSES[ApplicationState(self.state)]

    @property
    def is_draft(self) -> bool:
        return self.state == ApplicationState.DRAFT

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def requested_display(self) -> str:
        if self.days_requested is not None:
            return f"{self.days_requested} days"
        if self.amount_requested is not None:
            return f"£{self.amount_requested:,.2f}"
        return ""

    @property
    def award_value(self) -> Decimal | None:
        """The award in pounds: days are valued at the call's day rate (docs/bids.md).
        The investment recorded on approval and the open-data grant both use this."""
        return self.call.award_value(self.award_amount, self.award_days)

    @property
    def award_display(self) -> str:
        if self.award_days is not None:
            return f"{self.award_days} days"
        if self.award_amount is not None:
            return f"£{self.award_amount:,.2f}"
        return ""

    def information_request_event(self) -> ApplicationEvent | None:
        """The latest request for more information (from the prefetched events)."""
        requests = [
            event
            for event in self.events.all()
            if event.to_state == ApplicationState.MORE_INFORMATION
        ]
        return requests[-1] if requests else None

    def detail_model(self) -> type[models.Model] | None:
        return self.call.strand.spec.bid_detail_model

    def strand_detail(self) -> models.Model | None:
        """The strand's own answers (one-to-one), or None for a strand without any."""
        if "preloaded_detail" in self.__dict__:
            # Read with the bid (selectors.application_get_for_user(details=True)).
            return self.__dict__["preloaded_detail"]
        model = self.detail_model()
        if model is None:
            return None
        return model._default_manager.filter(application=self).first()


def detail_accessor(model: type[models.Model]) -> str:
    """The bid's reverse one-to-one name for a strand's detail model (experts_detail)."""
    field = model._meta.get_field("application")
    return str(field.remote_field.get_accessor_name())  # type: ignore[union-attr]


def detail_accessors() -> list[str]:
    """Every strand's detail, for select_related: the page reads the bid's in the same query."""
    return [
        detail_accessor(spec.bid_detail_model)
        for spec in strands().values()
        if spec.bid_detail_model is not None
    ]


class ApplicationEvent(models.Model):
    """One thing that happened to a bid: who, when, from which state to which, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20, choices=ApplicationState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ApplicationState.choices, blank=True)
    description = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    # Officers see every event; applicants see only those marked visible.
    visible_to_applicant = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The timeline of one bid, in order.
            models.Index(fields=["application", "at"], name="event_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.description}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor else "Productivity Programme team"


class Score(models.Model):
    """The moderated score for one assessment criterion: 1-5, or "not applicable" (NULL).

    Written by the bid's lead officer (services.assessment_save) after the
    assessors' reviews (Review, ReviewScore); the decision rests on these.

    Not applicable is NULL so that AVG() leaves it out of the mean rather than
    counting it as 0.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=40)
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="score_between_1_and_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score if self.score is not None else 'n/a'}"


class Conflict(models.TextChoices):
    UNDECLARED = "", "Not declared yet"
    NONE = "none", "No conflict of interest"
    CONFLICT = "conflict", "Conflict of interest"


class Review(models.Model):
    """One assessor's independent assessment of one bid: their declaration of
    interest, their scores (ReviewScore), recommendation and notes. The others'
    scores are hidden from them until they submit (applications.selectors)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    conflict = models.CharField(max_length=10, choices=Conflict.choices, blank=True, default="")
    conflict_note = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    recommendation = models.CharField(max_length=30, choices=Recommendation.choices, blank=True)
    notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = "assessor's review"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assessor"], name="one_review_per_assessor"
            ),
        ]
        indexes = [
            # "Assigned to me to score": WHERE assessor = ? AND submitted_at IS NULL.
            models.Index(fields=["assessor", "submitted_at"], name="review_assessor_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.assessor}"

    @property
    def conflicted(self) -> bool:
        return self.conflict == Conflict.CONFLICT


class ReviewScore(models.Model):
    """An assessor's score for one criterion: 1-5, or not applicable (NULL), with a note."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=40)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="one_review_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="review_score_between_1_and_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score if self.score is not None else 'n/a'}"


def mean_score(scores: list[int | None]) -> Decimal | None:
    """The mean of the scores given, leaving "not applicable" out; None when none apply."""
    given = [score for score in scores if score is not None]
    if not given:
        return None
    return (Decimal(sum(given)) / len(given)).quantize(Decimal("0.1"))


class DocumentPurpose(models.TextChoices):
    SUPPORTING = "supporting", "Supporting document"
    RESPONSE = "response", "Answer to a request for more information"


class Document(models.Model):
    """A supporting document. The file lives in private storage under a random
    name and is served only through a view that checks access."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    purpose = models.CharField(
        max_length=20, choices=DocumentPurpose.choices, default=DocumentPurpose.SUPPORTING
    )
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Set by the lead council (services.document_share): partner councils
    # that confirmed see the document; by default they do not (docs/bids.md,
    # "Partner councils").
    shared_with_partners = models.BooleanField("shared with partner councils", default=False)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("applications:document_download", args=[self.application.reference, self.pk])

    @property
    def size_display(self) -> str:
        if self.size < 1024:
            return f"{self.size} bytes"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size / (1024 * 1024):.1f} MB"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a second decider"
    FINAL = "final", "Final"
    RETURNED = "returned", "Not agreed by the second decider"


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    DECLINE = "decline", "Decline"


class Decision(models.Model):
    """A decision on a bid: who decided, when, under which rule of the
    scheme of delegation, and why; with the second decider where the award
    needed one. The council sees a decision only once it is final."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    status = models.CharField(max_length=10, choices=DecisionStatus.choices)
    award_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    award_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rule it was taken under, in words ("Within one decider's limit of £10,000").
    rule = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_at = models.DateTimeField(null=True, blank=True)
    second_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            # One approval at a time waits for its second decider.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="pending"),
                name="one_pending_decision_per_bid",
            ),
        ]

    def __str__(self) -> str:
        outcome, status = self.get_outcome_display(), self.get_status_display()
        return f"{self.application.reference}: {outcome} ({status})"

    @property
    def award_display(self) -> str:
        if self.award_days is not None:
            return f"{self.award_days} adviser days"
        if self.award_amount is not None:
            return f"£{self.award_amount:,.2f}"
        return ""


class PartnerStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"


class PartnerConfirmation(models.Model):
    """A partner council's answer to being named on a bid (docs/bids.md,
    "Partner councils"). Kept in step with `Application.partner_councils` by
    the services: one row per named council, made pending when the lead names
    it. The partner's council lead confirms or declines (with a reason); an
    officer may record a confirmation given by letter (with a reason). The
    bid cannot be sent while any is pending (applications.workflow), and
    only a confirmed partner's users see the bid (applications.selectors)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="partner_confirmations"
    )
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="partner_confirmations"
    )
    status = models.CharField(
        max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.PENDING
    )
    named_at = models.DateTimeField(default=timezone.now)
    # The partner's council lead, or the officer who recorded a letter.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # Why the partner declined (required to decline).
    reason = models.TextField(blank=True)
    # Recorded by an officer from a letter (or email) the council sent, with
    # the officer's reason for recording it on the council's behalf.
    by_letter = models.BooleanField("confirmed by letter", default=False)
    letter_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["council__name", "pk"]
        verbose_name = "partner council confirmation"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "council"], name="one_confirmation_per_partner"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(reason=""),
                name="declined_partner_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(by_letter=False) | ~models.Q(letter_reason=""),
                name="letter_confirmation_has_reason",
            ),
        ]
        indexes = [
            # "Bids naming your council as a partner", and the access check
            # of a partner's users: WHERE council = ? AND status = ?.
            models.Index(fields=["council", "status"], name="partner_confirmation_council"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.council} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("applications:partner_answer", args=[self.application.reference])

    @property
    def is_pending(self) -> bool:
        return self.status == PartnerStatus.PENDING


class AwardShare(models.Model):
    """One council's share of an award (docs/board.md, "Councils served and
    shares"). An approved bid serves its lead council and its partners; each
    has a share of the award's value in pounds (adviser days valued at the
    call's day rate). Made by the approval (equal shares, the odd pennies on
    the lead: `services.award_shares_default`); an officer may change them in
    the admin (Awards), and they always add up to the award
    (`services.award_shares_set`)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="shares")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="award_shares")
    amount = models.DecimalField(
        "share (£)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0, "Enter a share of £0 or more")],
    )
    # The day this split took effect (docs/board.md, "As at a date"): the
    # award's decision day for the split the approval makes, else the day
    # an officer changed the shares (`award_shares_set(on=)`). The split it
    # replaced is kept as `AwardSharePast` rows.
    starts_on = models.DateField("applies from", default=timezone.localdate)

    class Meta:
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "council"], name="one_share_per_council_per_award"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="award_share_not_negative",
                violation_error_message="Enter a share of £0 or more",
            ),
        ]
        indexes = [
            # The board's councils served by a strand's awards: the shares of
            # a set of bids, grouped by council (board.selectors.strand_shares).
            models.Index(fields=["council", "application"], name="award_share_council"),
        ]

    def __str__(self) -> str:
        return f"{self.council.short_name}: £{self.amount:,.2f} of {self.application.reference}"


class AwardSharePast(models.Model):
    """A council's share in a split of an award that an officer's change
    replaced: kept so that the board as at a date reads the split in force
    at the end of that day (docs/board.md, "As at a date"). In force from
    `starts_on` up to the day before `ends_on`; written only by
    `services.award_shares_set`."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="shares_past"
    )
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("share (£)", max_digits=14, decimal_places=2)
    starts_on = models.DateField("applied from")
    # The day the next split took effect: this one no longer applied at the
    # end of it.
    ends_on = models.DateField("replaced on")
    recorded_at = models.DateTimeField("changed at", auto_now_add=True)

    class Meta:
        ordering = ["application", "-ends_on", "-pk"]
        verbose_name = "earlier share"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="award_share_past_ends_after_start",
            ),
        ]
        indexes = [
            # The board as at a date: a strand's awards' earlier splits by council.
            models.Index(fields=["application", "ends_on"], name="award_share_past_award"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.council.short_name}: £{self.amount:,.2f} of "
            f"{self.application.reference} ({self.starts_on} to {self.ends_on})"
        )


class Award(Application):
    """An approved bid seen as its award, for the admin's Awards page, where
    officers change the councils' shares (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "award"
