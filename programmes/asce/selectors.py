"""Reads of ASCE statistics for dashboards (stored rows, one query; or as at a
date, from the returns reported by then), reports and events."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from programmes.asce.models import (
    AsceEvent,
    AsceProjection,
    AsceReturn,
    AsceStatistic,
    Measure,
    PositionReport,
    Presentation,
)

TWO_PLACES = Decimal("0.01")


def asce_statistics(*, financial_year: str | None = None) -> list[AsceStatistic]:
    """Per year and measure (achieved, projected): councils, mean, median, mode."""
    rows = AsceStatistic.objects.all()
    if financial_year is not None:
        rows = rows.filter(financial_year=financial_year)
    return list(rows.order_by("financial_year", "measure"))


def asce_statistics_by_year(*, as_at: date | None = None) -> dict[str, dict[str, AsceStatistic]]:
    """{"2012/13": {"achieved": row, "projected": row}, ...}, oldest year first.

    Now: the stored rows the rollup worker keeps (1 query). As at a date:
    the same statistics computed from the returns reported by the end of
    that day (`reported_on`), with their projections (2 queries; rows not
    saved). A return's figures changed later are its figures at every date
    from its `reported_on` (a correction: the return keeps no history)."""
    rows = asce_statistics() if as_at is None else asce_statistics_computed(as_at=as_at)
    table: dict[str, dict[str, AsceStatistic]] = {}
    for row in sorted(rows, key=lambda row: (row.financial_year, row.measure)):
        table.setdefault(row.financial_year, {})[row.measure] = row
    return table


def asce_percentages(
    returns: Iterable[AsceReturn], projections: Iterable[AsceProjection]
) -> dict[tuple[str, str], list[Decimal]]:
    """Each (year, measure)'s percentages of budget. Achieved: each council's
    return for the year. Projected: for each council, the projection for the
    year from its most recent return that makes one."""
    values: dict[tuple[str, str], list[Decimal]] = {}
    for asce_return in returns:
        key = (asce_return.financial_year, Measure.ACHIEVED.value)
        values.setdefault(key, []).append(asce_return.achieved_percent)
    latest: dict[tuple[str, int], AsceProjection] = {}
    for projection in projections:
        pair = (projection.financial_year, projection.asce_return.council_id)
        seen = latest.get(pair)
        if seen is None or seen.asce_return.financial_year < projection.asce_return.financial_year:
            latest[pair] = projection
    for (year, _council), projection in latest.items():
        values.setdefault((year, Measure.PROJECTED.value), []).append(projection.percent)
    return values


def _mode_whole_percent(values: list[Decimal]) -> int:
    rounded = Counter(int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for value in values)
    top = max(rounded.values())
    return min(value for value, count in rounded.items() if count == top)


def asce_statistic(year: str, measure: str, values: list[Decimal]) -> AsceStatistic:
    """The statistic of these percentages (not saved): council count, mean and
    median to two places, the mode of whole per cents (ties: the lowest)."""
    return AsceStatistic(
        financial_year=year,
        measure=measure,
        council_count=len(values),
        mean_percent=(sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, ROUND_HALF_UP),
        median_percent=Decimal(statistics.median(values)).quantize(TWO_PLACES, ROUND_HALF_UP),
        mode_percent=_mode_whole_percent(values),
        computed_at=timezone.now(),
    )


def asce_statistics_computed(*, as_at: date) -> list[AsceStatistic]:
    """The statistics of the returns reported by `as_at` (2 queries)."""
    returns = AsceReturn.objects.filter(reported_on__lte=as_at)
    projections = AsceProjection.objects.filter(asce_return__reported_on__lte=as_at).select_related(
        "asce_return"
    )
    values = asce_percentages(
        returns.only("financial_year", "budget", "savings_achieved"), projections
    )
    return [asce_statistic(year, measure, found) for (year, measure), found in values.items()]


def council_returns(*, council_id: int, as_at: date | None = None) -> list[AsceReturn]:
    """A council's own returns, one a year (those reported by `as_at`, if given): 1 query."""
    returns = AsceReturn.objects.filter(council_id=council_id)
    if as_at is not None:
        returns = returns.filter(reported_on__lte=as_at)
    return list(returns.order_by("financial_year"))


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
