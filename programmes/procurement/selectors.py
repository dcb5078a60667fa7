"""Reads of the procurement workstreams shared by the board pages and the admin."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from programmes.procurement.models import (
    Activity,
    EuMilestone,
    IssueStatus,
    ReportingDeadline,
    Workstream,
    WorkstreamSaving,
)


def workstreams_with_status() -> QuerySet[Workstream]:
    """Each workstream with its lead, activities, deadlines and RAG counts: 5 queries."""
    return (
        Workstream.objects.select_related("lead_council")
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.order_by("due_on", "pk")),
            Prefetch("deadlines", queryset=ReportingDeadline.objects.order_by("due_on")),
            "board_members__council",
        )
        .annotate(
            red=Count("activities", filter=Q(activities__status="red"), distinct=True),
            amber=Count("activities", filter=Q(activities__status="amber"), distinct=True),
            green=Count("activities", filter=Q(activities__status="green"), distinct=True),
            open_issues=Count("issues", filter=Q(issues__status=IssueStatus.OPEN), distinct=True),
        )
        .order_by("display_order", "name")
    )


def eu_milestones() -> QuerySet[EuMilestone]:
    return EuMilestone.objects.order_by("due_on", "pk")


def workstream_savings() -> QuerySet[WorkstreamSaving]:
    """Every workstream's savings with their facts and councils, for a table: 1 query."""
    return WorkstreamSaving.objects.select_related("workstream", "savings_entry__council").order_by(
        "workstream__display_order", "savings_entry__financial_year", "pk"
    )
