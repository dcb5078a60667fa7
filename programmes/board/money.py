"""The board's money page (docs/money.md, "The board"): for each strand and
the programme, per financial year, budget, committed, claimed, paid,
remaining and forecast; a chart with its table; and the return on money paid
beside the return on money awarded.

Money figures come from programmes.payments.selectors.money_years (budgets
and the money rollups: two grouped queries); savings from the rollups (one
query). Nothing here grows with the number of awards or claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from programmes.board.charts import Cell, DataTable
from programmes.payments.selectors import MoneyFigures, MoneyYear, money_years
from savings import selectors as rollups

NO_BUDGET = "No budget set"

COLUMNS = [
    "Strand",
    "Budget",
    "Committed",
    "Claimed",
    "Paid",
    "Remaining",
    "Forecast paid by year end",
]


def _row(figures: MoneyFigures) -> list:
    return [
        figures.label,
        figures.budget if figures.budget is not None else NO_BUDGET,
        figures.committed,
        figures.claimed,
        figures.paid,
        figures.remaining if figures.remaining is not None else NO_BUDGET,
        figures.forecast,
    ]


def year_table(year: MoneyYear) -> DataTable:
    return DataTable(
        caption=f"Money out in {year.financial_year}, by strand",
        columns=COLUMNS,
        rows=[_row(item) for item in year.strands] + [_row(year.programme)],
        money_columns=frozenset({1, 2, 3, 4, 5, 6}),
    )


def _short(item: MoneyFigures) -> str:
    return item.strand.spec.short_name if item.strand is not None else item.label


def year_chart_table(year: MoneyYear) -> DataTable:
    """The chart: budget, committed and paid for each strand."""
    return DataTable(
        caption=f"Budget, committed and paid in {year.financial_year}",
        columns=["Strand", "Budget", "Committed", "Paid"],
        # The strands' short names: pygal's layout of five long names under
        # the narrow chart never ends (it ran out of memory at 16 GB).
        rows=[
            [_short(item), item.budget or Decimal(0), item.committed, item.paid]
            for item in year.strands
        ],
        money_columns=frozenset({1, 2, 3}),
    )


def returns_table(years: list[MoneyYear], *, as_at: date | None = None) -> DataTable:
    """Savings per £1 awarded (committed) and per £1 paid, over every year
    (savings as at `as_at`, like the money: docs/board.md, "As at a date")."""
    totals: dict[int, MoneyFigures] = {}
    for year in years:
        for item in year.strands:
            assert item.strand is not None
            totals.setdefault(item.strand.pk, MoneyFigures(item.label, strand=item.strand)).add(
                item
            )
    savings = {row.strand_id: row for row in rollups.Figures(as_at=as_at).by_strand()}
    rows: list[list[Cell]] = []
    for strand_id, item in totals.items():
        rollup = savings.get(strand_id)
        projected = rollup.projected if rollup else Decimal(0)
        realised = rollup.realised if rollup else Decimal(0)
        rows.append(
            [
                item.label,
                item.committed,
                item.paid,
                rollups.roi_of(projected, item.committed),
                rollups.roi_of(projected, item.paid),
                rollups.roi_of(realised, item.paid),
            ]
        )
    return DataTable(
        caption="Return on money awarded and paid, every year",
        columns=[
            "Strand",
            "Committed",
            "Paid",
            "Projected £ saved per £1 awarded",
            "Projected £ saved per £1 paid",
            "Realised £ saved per £1 paid",
        ],
        rows=rows,
        money_columns=frozenset({1, 2}),
        roi_columns=frozenset({3, 4, 5}),
    )


@dataclass(frozen=True)
class MoneyPage:
    years: list[MoneyYear]
    tables: dict[str, DataTable]

    def table_key(self, year: MoneyYear) -> str:
        return _key(year)


def _key(year: MoneyYear) -> str:
    return "money-" + year.financial_year.replace("/", "-")


def money_page(*, as_at: date | None = None) -> MoneyPage:
    """The page's figures now, or as at the end of the day `as_at`."""
    years = money_years(on=as_at)
    tables = {_key(year): year_table(year) for year in years}
    tables["returns"] = returns_table(years, as_at=as_at)
    return MoneyPage(years=years, tables=tables)
