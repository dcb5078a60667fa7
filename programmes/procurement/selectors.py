"""Reads of the procurement workstreams shared by the board pages and the admin."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from programmes.procurement.models import (
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
