"""Reads of the procurement workstreams shared by the board pages and the admin."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When

from programmes.procurement.models import (
    RAG,
    Activity,
    ActivityStatusChange,
    EuMilestone,
    IssueStatus,
    ProgrammeBoardMember,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
    WorkstreamSaving,
)


def deadlines_as_at(as_at: date | None = None) -> QuerySet[ReportingDeadline]:
    """Reporting deadlines, soonest first: now, every one; as at a date, those
    recorded by then (`recorded_on`), one met later as not yet met
    (`met_then`: the day met, if by then; now, `met_on`)."""
    deadlines = ReportingDeadline.objects.order_by("due_on", "pk")
    if as_at is None:
        return deadlines.annotate(met_then=F("met_on"))
    return deadlines.filter(recorded_on__lte=as_at).annotate(
        met_then=Case(When(met_on__lte=as_at, then=F("met_on")), default=None)
    )


def workstreams_with_status(*, as_at: date | None = None) -> QuerySet[Workstream]:
    """Each workstream with its lead, deadlines (as at `as_at`, if given:
    `deadlines_as_at`), RAG counts and open issues: 2 queries."""
    return (
        Workstream.objects.select_related("lead_council")
        .prefetch_related(
            Prefetch("deadlines", queryset=deadlines_as_at(as_at)),
        )
        .annotate(
            red=Count("activities", filter=Q(activities__status="red"), distinct=True),
            amber=Count("activities", filter=Q(activities__status="amber"), distinct=True),
            green=Count("activities", filter=Q(activities__status="green"), distinct=True),
            open_issues=Count("issues", filter=Q(issues__status=IssueStatus.OPEN), distinct=True),
        )
        .order_by("display_order", "name")
    )


def workstreams_with_status_as_at(*, as_at: date) -> list[Workstream]:
    """`workstreams_with_status` with each activity counted in the status it
    had on `as_at` (its latest ActivityStatusChange by then; an activity with
    none by then is not counted): 3 queries."""
    then = ActivityStatusChange.objects.filter(activity=OuterRef("pk"), changed_on__lte=as_at)
    counts = (
        Activity.objects.annotate(
            status_then=Subquery(then.order_by("-changed_on", "-pk").values("status")[:1])
        )
        .filter(status_then__isnull=False)
        .values("workstream", "status_then")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_workstream = {(row["workstream"], row["status_then"]): row["n"] for row in counts}
    workstreams = list(workstreams_with_status(as_at=as_at))
    for workstream in workstreams:
        for status in RAG.values:
            setattr(workstream, status, by_workstream.get((workstream.pk, status), 0))
    return workstreams


def workstreams_for_paper(*, as_at: date | None = None) -> QuerySet[Workstream]:
    """Each workstream with its status counts, deadlines and everything the
    board paper tells of it (board seats, objectives, activities, open
    issues): 7 queries."""
    members = ProgrammeBoardMember.objects.order_by("kind", "pk")
    if as_at is not None:
        members = members.filter(joined_on__lte=as_at)
    return workstreams_with_status(as_at=as_at).prefetch_related(
        Prefetch("board_members", queryset=members),
        "objectives",
        "activities",
        Prefetch("issues", queryset=WorkstreamIssue.objects.filter(status=IssueStatus.OPEN)),
    )


def eu_milestones() -> QuerySet[EuMilestone]:
    return EuMilestone.objects.order_by("due_on", "pk")


def workstream_savings() -> QuerySet[WorkstreamSaving]:
    """Every workstream's savings with their facts and councils, for a table: 1 query."""
    return WorkstreamSaving.objects.select_related("workstream", "savings_entry__council").order_by(
        "workstream__display_order", "savings_entry__financial_year", "pk"
    )


def council_workstreams(*, council_id: int, as_at: date | None = None) -> list[Workstream]:
    """The workstreams the council leads or has a programme-board seat on
    (a seat taken by `as_at`, if given: `joined_on`; a workstream's lead has
    no date of its own, the same at every date): 1 query."""
    seats = ProgrammeBoardMember.objects.filter(council_id=council_id)
    if as_at is not None:
        seats = seats.filter(joined_on__lte=as_at)
    return list(
        Workstream.objects.filter(
            Q(lead_council_id=council_id) | Q(pk__in=seats.values("workstream_id"))
        ).order_by("display_order", "name")
    )
