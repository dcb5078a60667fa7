"""National Procurement Strategy: category workstreams and the EU rules tracker.

Board paper paras 19-28: councils and public buying organisations (PBOs) run
sector-led "deep dives" into Construction (led by Lincolnshire CC), Energy
(Gloucestershire CC) and ICT (the London Borough of Camden), each with a
programme board, objectives, current activities, issues and reporting
deadlines. Savings the workstreams generate are recorded as savings facts
through `savings.services`, never here.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.urls import reverse
from django.utils import timezone

from programmes.models import Council


class Workstream(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    lead_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="led_workstreams"
    )
    summary = models.TextField(blank=True)
    # Facts worth holding, e.g. "Around 230 councils are in just four Central
    # Purchasing Bodies" (para 23.1).
    key_facts = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:procurement_workstream_change", args=[self.pk])


class BoardMemberKind(models.TextChoices):
    COUNCIL = "council", "Council"
    PBO = "pbo", "Public buying organisation"
    GOVERNMENT = "government", "Government body"


class ProgrammeBoardMember(models.Model):
    """A seat on a workstream's sector-led programme board: a council or a PBO."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="board_members"
    )
    kind = models.CharField(max_length=20, choices=BoardMemberKind.choices)
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField(
        max_length=200, blank=True, help_text="For a public buying organisation or government body"
    )
    role = models.CharField(max_length=100, blank=True, help_text="For example, lead or member")
    # The day the seat was taken, apart from when the row was written: a
    # council's page as at a date lists the seats taken by then (docs/board.md,
    # "As at a date"). Set by the services: today, or a date given with a reason.
    joined_on = models.DateField("joined on", default=timezone.localdate)

    class Meta:
        ordering = ["workstream", "kind", "pk"]
        constraints = [
            # A council seat names the council; any other seat names its organisation.
            models.CheckConstraint(
                condition=(
                    models.Q(kind=BoardMemberKind.COUNCIL, council__isnull=False)
                    | (~models.Q(kind=BoardMemberKind.COUNCIL) & ~models.Q(organisation=""))
                ),
                name="board_member_names_its_organisation",
            ),
        ]

    def __str__(self) -> str:
        return str(self.council) if self.council_id else self.organisation


class Objective(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="objectives")
    text = models.TextField()
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["workstream", "display_order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class RAG(models.TextChoices):
    """Red, amber, green: the board's status shorthand."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Activity(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=RAG.choices, default=RAG.GREEN)
    due_on = models.DateField(null=True, blank=True)
    status_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["workstream", "due_on", "pk"]
        verbose_name_plural = "activities"
        indexes = [
            # The board's table of activities by status across workstreams.
            models.Index(fields=["status", "due_on"], name="activity_status_due"),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityStatusChange(models.Model):
    """An activity's red, amber or green status from a date: its history, so
    the board reads a workstream's status as at any date (docs/board.md, "As
    at a date"). Written by the services whenever an activity is added or its
    status changes; `changed_on` is when the status took effect, apart from
    when the row was written (`recorded_at`)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=10, choices=RAG.choices)
    changed_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activity", "changed_on", "pk"]
        indexes = [
            # The status as at a date: an activity's latest change by then.
            models.Index(fields=["activity", "changed_on"], name="activity_change_on"),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.get_status_display()} from {self.changed_on:%-d %B %Y}"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class WorkstreamIssue(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="issues")
    description = models.TextField()
    raised_on = models.DateField()
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)

    class Meta:
        ordering = ["workstream", "raised_on", "pk"]
        verbose_name = "issue"

    def __str__(self) -> str:
        return self.description[:80]


class ReportingDeadline(models.Model):
    """When a workstream reports, and to whom (e.g. Energy reports to the National
    Advisory Group and the LGA by September's Improvement and Innovation Board, para 23.2)."""

    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="deadlines")
    report_to = models.CharField(max_length=200)
    due_on = models.DateField()
    description = models.CharField(max_length=300, blank=True)
    met_on = models.DateField(null=True, blank=True)
    # The day the deadline was set: the board as at an earlier date does not
    # show it (docs/board.md, "As at a date"). Set by `deadline_set`.
    recorded_on = models.DateField("recorded on", default=timezone.localdate)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.workstream}: report to {self.report_to} by {self.due_on:%-d %B %Y}"


class MilestoneStatus(models.TextChoices):
    DUE = "due", "Due"
    REACHED = "reached", "Reached"
    SLIPPED = "slipped", "Slipped"


class EuMilestone(models.Model):
    """The EU procurement rules tracker (paras 25-28): dated milestones."""

    title = models.CharField(max_length=200)
    due_on = models.DateField(help_text="The date, or for a month, its first day")
    date_is_month_only = models.BooleanField(
        default=False, help_text="Only the month is known, as for a plenary 'in September'"
    )
    status = models.CharField(
        max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.DUE
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = "EU procurement milestone"

    def __str__(self) -> str:
        return self.title

    @property
    def when(self) -> str:
        return f"{self.due_on:%B %Y}" if self.date_is_month_only else f"{self.due_on:%-d %B %Y}"

    def status_on(self, as_at: date | None) -> str:
        """The milestone's state in words as known on `as_at` (None: now, as
        recorded): one due after that day, or still due, is "expected",
        whatever happened later; one due by then is as recorded (docs/board.md,
        "As at a date")."""
        if as_at is not None and (self.status == MilestoneStatus.DUE or self.due_on > as_at):
            return "expected"
        return self.get_status_display().lower()


class WorkstreamSaving(models.Model):
    """A saving a workstream generated (e.g. ICT with London Councils, para 24.1).

    The fact itself is a `savings.SavingsEntry` (strand "procurement", the
    council that saved, the year), recorded through the savings services so
    it reaches the rollups; this row says which workstream generated it.
    """

    workstream = models.ForeignKey(Workstream, on_delete=models.PROTECT, related_name="savings")
    savings_entry = models.OneToOneField(
        "savings.SavingsEntry", on_delete=models.CASCADE, related_name="workstream_saving"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["workstream", "pk"]

    def __str__(self) -> str:
        return f"{self.workstream}: {self.savings_entry}"
