"""Reads of ASCE statistics for dashboards (stored rows, one query; or as at a
date, from the returns reported by then), reports and events."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import JSONField, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from programmes.asce.models import (
    AsceCorrection,
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
    saved), each return with its figures as they stood then (a correction
    made later is kept apart: `returns_as_at`)."""
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


def returns_as_at(
    *, as_at: date, returns: QuerySet[AsceReturn] | None = None, projections: bool = True
) -> tuple[list[AsceReturn], list[AsceProjection]]:
    """The returns reported by the end of `as_at` (of `returns`, if given),
    each with its figures and projections as they stood then: a return
    corrected since reads the figures the first later correction replaced
    (docs/board.md, "As at a date"). The rows are not saved. 1 query, 2 with
    the projections."""
    returns = (AsceReturn.objects.all() if returns is None else returns).filter(
        reported_on__lte=as_at
    )
    first = AsceCorrection.objects.filter(
        asce_return=OuterRef("pk"), corrected_on__gt=as_at
    ).order_by("corrected_on", "pk")
    then: list[AsceReturn] = []
    # Each corrected return's projections as they stood then, by return.
    earlier: dict[int, dict[str, str]] = {}
    for row in returns.annotate(
        then_budget=Subquery(first.values("budget")[:1]),
        then_savings=Subquery(first.values("savings_achieved")[:1]),
        then_projections=Subquery(first.values("projections")[:1], output_field=JSONField()),
    ):
        if row.then_budget is not None:
            row.budget = row.then_budget
            row.savings_achieved = row.then_savings
            earlier[row.pk] = row.then_projections
        then.append(row)
    if not projections:
        return then, []
    by_pk = {asce_return.pk: asce_return for asce_return in then}
    found = list(
        AsceProjection.objects.filter(asce_return__in=returns).exclude(
            asce_return__in=list(earlier)
        )
    )
    for pk, amounts in earlier.items():
        found += [
            AsceProjection(asce_return_id=pk, financial_year=year, amount=Decimal(amount))
            for year, amount in amounts.items()
        ]
    for projection in found:
        projection.asce_return = by_pk[projection.asce_return_id]
    return then, found


def asce_statistics_computed(*, as_at: date) -> list[AsceStatistic]:
    """The statistics of the returns reported by `as_at`, with their figures
    as they stood then (`returns_as_at`; 2 queries)."""
    returns, projections = returns_as_at(as_at=as_at)
    values = asce_percentages(returns, projections)
    return [asce_statistic(year, measure, found) for (year, measure), found in values.items()]


def council_returns(*, council_id: int, as_at: date | None = None) -> list[AsceReturn]:
    """A council's own returns, one a year (those reported by `as_at`, if
    given, with their figures as they stood then): 1 query."""
    returns = AsceReturn.objects.filter(council_id=council_id)
    if as_at is not None:
        return sorted(
            returns_as_at(as_at=as_at, returns=returns, projections=False)[0],
            key=lambda asce_return: asce_return.financial_year,
        )
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
