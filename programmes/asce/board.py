"""Adult Social Care Efficiency on the board: the statistics block (savings as
a percentage of budget, with its chart), the council's returns, and its paper
section."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from programmes.asce import selectors
from programmes.asce.models import AsceReturn, AsceStatistic
from programmes.asce.selectors import (
    asce_events,
    asce_statistics_by_year,
    position_reports_published,
)
from programmes.board.charts import Cell, DataTable, listed
from programmes.board.templatetags.board import percent
from programmes.models import Council, Strand

# A paper tells of the events of the quarter before and after it (papers are quarterly).
EVENTS_WINDOW_DAYS = 92


def fill(page) -> None:
    """The statistics rows: 1 query (2 as at a date: from the returns reported
    by then, with their figures as they stood then)."""
    stats = asce_statistics_by_year(as_at=page.as_at)
    page.extra["asce"] = stats
    page.tables["asce"] = asce_table(stats, as_at=page.as_at)
    page.tables["asce_projections"] = asce_projection_chart_table(stats, as_at=page.as_at)


def council_returns(council: Council, *, as_at: date | None = None) -> list[AsceReturn]:
    """A council's own returns, one a year (reported by `as_at`, if given,
    with their figures as they stood then): 1 query."""
    return selectors.council_returns(council_id=council.pk, as_at=as_at)


def councils(*, as_at: date | None = None) -> int:
    """The councils taking part: those with a return (reported by `as_at`,
    if given; 1 query)."""
    returns = AsceReturn.objects.all()
    if as_at is not None:
        returns = returns.filter(reported_on__lte=as_at)
    return returns.values("council").distinct().count()


def served(*, as_at: date | None = None) -> list[tuple[Council, str]]:
    """The councils taking part, for the strand's councils table: those with
    a return (reported by `as_at`, if given), each with the years it has
    reported (1 query)."""
    years: dict[int, list[str]] = {}
    councils: dict[int, Council] = {}
    returns = AsceReturn.objects.select_related("council")
    if as_at is not None:
        returns = returns.filter(reported_on__lte=as_at)
    for row in returns.order_by("financial_year"):
        councils[row.council_id] = row.council
        years.setdefault(row.council_id, []).append(row.financial_year)
    return [(councils[pk], f"Returns for {', '.join(years[pk])}") for pk in councils]


def _one_place(value: Decimal) -> Decimal:
    """Percentages to one place, half up, as the `percent` filter and the paper give them."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _caption(text: str, as_at: date | None) -> str:
    return f"{text}, as at {as_at:%-d %B %Y}" if as_at else text


def asce_table(
    stats: dict[str, dict[str, AsceStatistic]], *, as_at: date | None = None
) -> DataTable:
    """Savings as % of budget per year: achieved, then what councils project."""
    rows: list[list[Cell]] = []
    for year, measures in stats.items():
        for measure in ("achieved", "projected"):
            row = measures.get(measure)
            if row is not None:
                rows.append(
                    [
                        year,
                        row.get_measure_display(),
                        row.council_count,
                        percent(row.mean_percent),
                        percent(row.median_percent),
                        f"{row.mode_percent}%",
                    ]
                )
    return DataTable(
        caption=_caption("Adult social care efficiency savings as a percentage of budget", as_at),
        columns=["Financial year", "Measure", "Councils", "Mean", "Median", "Mode"],
        rows=rows,
    )


def asce_projection_chart_table(
    stats: dict[str, dict[str, AsceStatistic]], *, as_at: date | None = None
) -> DataTable:
    """Mean % of budget per year, achieved and projected (for the chart)."""
    return DataTable(
        caption=_caption(
            "Mean adult social care savings as a percentage of budget, by year", as_at
        ),
        columns=["Financial year", "Achieved (mean %)", "Projected (mean %)"],
        rows=[
            [
                year,
                _one_place(measures["achieved"].mean_percent) if "achieved" in measures else None,
                _one_place(measures["projected"].mean_percent) if "projected" in measures else None,
            ]
            for year, measures in stats.items()
        ],
    )


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    """The position reports published by the paper's date (para 10), the
    programme's events of the quarters either side of it with what they
    include (paras 11-12), and the statistics (para 13): 5 queries."""
    return [*_reports_and_events(as_at), *_statistics_paragraphs(as_at)]


def _reports_and_events(as_at: date) -> list[str]:
    paragraphs = [
        f"The programme's '{report.title}' report was published "
        f"{'in' if report.date_is_month_only else 'on'} {report.when}."
        for report in position_reports_published().filter(report_date__lte=as_at)
    ]
    window = timedelta(days=EVENTS_WINDOW_DAYS)
    events = asce_events().filter(held_on__gt=as_at - window, held_on__lte=as_at + window)
    for event in sorted(events, key=lambda event: event.held_on):
        coming = event.held_on > as_at
        where = f" at {event.venue}" if event.venue else ""
        text = f"{event.title}, {event.held_on:%-d %B %Y}{where}."
        if event.description:
            text += f" {event.description.strip()}"
        # Presenters of one topic together, in the programme's order.
        topics: dict[str, list[str]] = {}
        for presentation in event.presentations.all():
            topics.setdefault(presentation.topic, []).append(presentation.presenter)
        if topics:
            items = [f"{topic} ({listed(presenters)})" for topic, presenters in topics.items()]
            text += f" The day {'will include' if coming else 'included'}: {'; '.join(items)}."
        paragraphs.append(text)
    return paragraphs


def _statistics_paragraphs(as_at: date) -> list[str]:
    # As at the paper's date: the returns reported by then (a draft's figures date).
    stats = asce_statistics_by_year(as_at=as_at)
    achieved = [(year, row["achieved"]) for year, row in stats.items() if "achieved" in row]
    projected = [(year, row["projected"]) for year, row in stats.items() if "projected" in row]
    if not achieved:
        return ["No Adult Social Care Efficiency returns have been recorded yet."]
    year, first = achieved[0]
    paragraphs = [
        f"Efficiency savings in {year}, reported by {first.council_count} councils, were an "
        f"average {percent(first.mean_percent)} of the adult social care budget, with the "
        f"modal (most frequently reported) saving being {first.mode_percent}% and the "
        f"median {percent(first.median_percent)}.",
    ]
    for later_year, row in achieved[1:]:
        paragraphs.append(
            f"In {later_year}, {row.council_count} councils reported savings averaging "
            f"{percent(row.mean_percent)} (mode {row.mode_percent}%)."
        )
    if projected:
        listed = ", ".join(
            f"{percent(row.mean_percent)} for {year}" for year, row in projected[:-1]
        )
        last_year, last = projected[-1]
        listed = f"{listed} and " if listed else ""
        paragraphs.append(
            f"At present the councils are projecting a further saving of {listed}"
            f"{percent(last.mean_percent)} for {last_year}."
        )
    return paragraphs
