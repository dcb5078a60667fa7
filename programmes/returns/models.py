"""Savings returns: what an award reports, period by period, and the reminders sent.

A return's lines are savings facts (`savings.SavingsEntry`, pointing here by
name): the savings engine counts them, this app runs the cycle around them
(docs/savings.md, "The reporting cycle").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReturnState(models.TextChoices):
    DUE = "due", "Not sent yet"
    # Sent by its preparer to the council's finance officer: not yet with the
    # LGA (docs/savings.md, "Certification").
    AWAITING_CERTIFICATION = "to_certify", "Awaiting certification"
    NOT_CERTIFIED = "not_certified", "Sent back by the finance officer"
    SUBMITTED = "submitted", "Awaiting verification"
    VERIFIED = "verified", "Verified"
    PARTLY_VERIFIED = "partly_verified", "Partly verified"
    SENT_BACK = "sent_back", "Sent back"
    WITHDRAWN = "withdrawn", "Withdrawn"
    WAIVED = "waived", "Waived"


# States in which the council may change the return's lines and send it.
OPEN_RETURN_STATES = (
    ReturnState.DUE,
    ReturnState.NOT_CERTIFIED,
    ReturnState.SENT_BACK,
    ReturnState.PARTLY_VERIFIED,
    ReturnState.WITHDRAWN,
)
# States in which the return has been received by the LGA (and not taken
# back). A return awaiting its finance officer's certification is still at
# the council: not received, so still owed, reminded and overdue.
RECEIVED_STATES = (ReturnState.SUBMITTED, ReturnState.VERIFIED, ReturnState.PARTLY_VERIFIED)
# States that settle a period: nothing more is owed for it.
SETTLED_STATES = (
    ReturnState.SUBMITTED,
    ReturnState.VERIFIED,
    ReturnState.PARTLY_VERIFIED,
    ReturnState.WAIVED,
)

# Sent on by the council and not yet decided on: the council may still take
# it back to correct or withdraw it.
CORRECTABLE_STATES = (ReturnState.AWAITING_CERTIFICATION, ReturnState.SUBMITTED)

# An officer may give a later due date while the council still owes the
# return, its finance officer's certification included.
EXTENDABLE_STATES = (*OPEN_RETURN_STATES, ReturnState.AWAITING_CERTIFICATION)
# An officer may waive a return the council has not sent on (nor has with its
# finance officer): nothing is owed for its period.
WAIVABLE_STATES = (
    ReturnState.DUE,
    ReturnState.NOT_CERTIFIED,
    ReturnState.SENT_BACK,
    ReturnState.WITHDRAWN,
)

RETURN_TAG_CLASSES = {
    ReturnState.DUE: "govuk-tag--grey",
    ReturnState.AWAITING_CERTIFICATION: "govuk-tag--yellow",
    ReturnState.NOT_CERTIFIED: "govuk-tag--magenta",
    ReturnState.SUBMITTED: "govuk-tag--blue",
    ReturnState.VERIFIED: "govuk-tag--green",
    ReturnState.PARTLY_VERIFIED: "govuk-tag--turquoise",
    ReturnState.SENT_BACK: "govuk-tag--orange",
    ReturnState.WITHDRAWN: "govuk-tag--grey",
    ReturnState.WAIVED: "govuk-tag--purple",
}


class SavingsReturn(models.Model):
    """An award's savings return for one reporting period (docs/savings.md, "Returns").

    Made from the call's schedule (`programmes.returns.schedule`) when the bid
    is approved, and by the daily task for awards made before. Its lines are
    `savings.SavingsEntry` rows. Every change goes through
    `programmes.returns.services`. The table kept its name when returns left
    the savings app.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="savings_returns"
    )
    # The council this return reports for: the award's lead council or one
    # of the partners it serves (docs/savings.md, "Shared awards"). Each
    # council an award serves reports its own savings on its own returns.
    council = models.ForeignKey(
        "programmes.Council", on_delete=models.PROTECT, related_name="savings_returns"
    )
    reference = models.CharField(max_length=40, unique=True)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()
    # An officer's later due date; the original stays in `due_on`.
    extended_to = models.DateField("due date extended to", null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    # When the extension was given: as at an earlier date the return was due
    # on its earlier date (selectors.returns_as_at). Blank: counts at any date.
    extended_at = models.DateTimeField(null=True, blank=True, editable=False)
    state = models.CharField(max_length=20, choices=ReturnState.choices, default=ReturnState.DUE)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    declaration_name = models.CharField(max_length=200, blank=True)
    declaration_confirmed = models.BooleanField(default=False)
    # What the council sees when an officer sends lines back, or why it was waived.
    sent_back_reason = models.TextField(blank=True)
    waived_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Certification (docs/savings.md, "Certification"). Who filled the
    # return in and sent it on (with the declaration above), at every
    # sending; and, when the call asks for it, the council's finance officer
    # who certified it, which is when it reached the LGA (`submitted_at`).
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_at = models.DateTimeField(null=True, blank=True)
    # What the preparer sees when the finance officer sends the return back.
    not_certified_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "savings_savingsreturn"
        ordering = ["period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "council", "period_start"],
                name="one_return_per_award_council_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="return_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="submitted") | models.Q(declaration_confirmed=True),
                name="submitted_return_is_declared",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="to_certify")
                | models.Q(declaration_confirmed=True, prepared_at__isnull=False),
                name="return_awaiting_certification_is_declared",
            ),
            # Separation of duties: nobody certifies a return they prepared.
            models.CheckConstraint(
                condition=models.Q(certified_by__isnull=True)
                | models.Q(prepared_by__isnull=True)
                | ~models.Q(certified_by=models.F("prepared_by")),
                name="return_certified_by_another",
            ),
        ]
        indexes = [
            # Overdue and reminder sweeps: WHERE state IN (...) AND due_on <= ?.
            models.Index(fields=["state", "due_on"], name="return_state_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def due_date(self):
        """When the return is due now: the extension if there is one."""
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        """The council may change its lines and send it."""
        return self.state in OPEN_RETURN_STATES

    @property
    def is_correctable(self) -> bool:
        """Sent and not yet decided (by the finance officer or an officer): the
        council may still correct or withdraw it."""
        return self.state in CORRECTABLE_STATES

    @property
    def is_awaiting_certification(self) -> bool:
        return self.state == ReturnState.AWAITING_CERTIFICATION

    @property
    def is_waivable(self) -> bool:
        return self.state in WAIVABLE_STATES

    @property
    def state_tag_class(self) -> str:
        return RETURN_TAG_CLASSES[ReturnState(self.state)]

    @property
    def period_display(self) -> str:
        return f"{self.period_start:%-d %B %Y} to {self.period_end:%-d %B %Y}"


class ReminderStage(models.TextChoices):
    REMINDER = "reminder", "Reminder before the due date"
    OVERDUE = "overdue", "Overdue notice"


class ReturnReminder(models.Model):
    """A reminder or overdue notice sent for a return: at most one per stage.

    Written in the transaction that records the notices (programmes.notices),
    so a run that fails sends nothing and a second run finds the row."""

    savings_return = models.ForeignKey(
        SavingsReturn, on_delete=models.CASCADE, related_name="reminders"
    )
    stage = models.CharField(max_length=20, choices=ReminderStage.choices)
    sent_at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "savings_returnreminder"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["savings_return", "stage"], name="one_reminder_per_return_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} for {self.savings_return}"
