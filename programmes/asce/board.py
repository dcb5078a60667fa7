"""Adult Social Care Efficiency on the board: the statistics block (savings as
a percentage of budget, with its chart), the council's returns, and its paper
section."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from programmes.asce.models import AsceReturn, AsceStatistic
from programmes.asce.selectors import asce_statistics_by_year
from programmes.board.charts import Cell, DataTable
from programmes.board.templatetags.board import percent
from programmes.models import Council, Strand


def fill(page) -> None:
    """The statistics rows: 1 query."""
    stats = asce_statistics_by_year()
    page.extra["asce"] = stats
    page.tables["asce"] = asce_table(stats)
    page.tables["asce_projections"] = asce_projection_chart_table(stats)


def council_returns(council: Council) -> list[AsceReturn]:
    """A council's own returns, one a year (1 query)."""
    return list(AsceReturn.objects.filter(council=council).order_by("financial_year"))


def councils(*, as_at: date | None = None) -> int:
    """The councils taking part: those with a return (reported by `as_at`,
    if given; 1 query)."""
    returns = AsceReturn.objects.all()
    if as_at is not None:
        returns = returns.filter(reported_on__lte=as_at)
    return returns.values("council").distinct().count()


def _one_place(value: Decimal) -> Decimal:
    """Percentages to one place, half up, as the `percent` filter and the paper give them."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def asce_table(stats: dict[str, dict[str, AsceStatistic]]) -> DataTable:
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
        caption="Adult social care efficiency savings as a percentage of budget",
        columns=["Financial year", "Measure", "Councils", "Mean", "Median", "Mode"],
        rows=rows,
    )


def asce_projection_chart_table(stats: dict[str, dict[str, AsceStatistic]]) -> DataTable:
    """Mean % of budget per year, achieved and projected (for the chart)."""
    return DataTable(
        caption="Mean adult social care savings as a percentage of budget, by year",
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
    stats = asce_statistics_by_year()
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
