"""Reads of ASCE statistics for dashboards (stored rows, one query), reports and events."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from programmes.asce.models import AsceEvent, AsceStatistic, PositionReport, Presentation


def asce_statistics(*, financial_year: str | None = None) -> list[AsceStatistic]:
    """Per year and measure (achieved, projected): councils, mean, median, mode."""
    rows = AsceStatistic.objects.all()
    if financial_year is not None:
        rows = rows.filter(financial_year=financial_year)
    return list(rows.order_by("financial_year", "measure"))


def asce_statistics_by_year() -> dict[str, dict[str, AsceStatistic]]:
    """{"2012/13": {"achieved": row, "projected": row}, ...}, oldest year first."""
    table: dict[str, dict[str, AsceStatistic]] = {}
    for row in asce_statistics():
        table.setdefault(row.financial_year, {})[row.measure] = row
    return table


def position_reports_published() -> QuerySet[PositionReport]:
    return PositionReport.objects.filter(published=True).select_related("launch_event")


def asce_events() -> QuerySet[AsceEvent]:
    """Events with their presentations and presenting councils: 3 queries."""
    return AsceEvent.objects.prefetch_related(
        Prefetch(
            "presentations",
            queryset=Presentation.objects.select_related("council").order_by("display_order"),
        )
    ).order_by("-held_on")
