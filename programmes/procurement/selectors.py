"""Reads of the procurement workstreams shared by the board pages and the admin."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from programmes.procurement.models import (
    RAG,
    Activity,
    ActivityStatusChange,
    EuMilestone,
    IssueStatus,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
    WorkstreamSaving,
)


def workstreams_with_status() -> QuerySet[Workstream]:
    """Each workstream with its lead, deadlines, RAG counts and open issues: 2 queries."""
    return (
        Workstream.objects.select_related("lead_council")
        .prefetch_related(
            Prefetch("deadlines", queryset=ReportingDeadline.objects.order_by("due_on")),
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
    workstreams = list(workstreams_with_status())
    for workstream in workstreams:
        for status in RAG.values:
            setattr(workstream, status, by_workstream.get((workstream.pk, status), 0))
    return workstreams


def workstreams_for_paper() -> QuerySet[Workstream]:
    """Each workstream with its status counts, deadlines and everything the
    board paper tells of it (board seats, objectives, activities, open
    issues): 7 queries."""
    return workstreams_with_status().prefetch_related(
        "board_members",
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
