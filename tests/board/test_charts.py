"""Charts carry their data as a table and a CSV that Excel opens with the £ intact."""

import csv
import io
from decimal import Decimal

from programmes.board.charts import (
    DataTable,
    bar_chart,
    csv_response,
    format_pounds,
    value_axis,
    years_with_figures,
)

TABLE = DataTable(
    caption="Savings by financial year",
    columns=["Financial year", "Projected", "Realised"],
    rows=[["2012/13", Decimal("700000"), Decimal("700000")], ["2013/14", Decimal("2.5"), None]],
    money_columns=frozenset({1, 2}),
)


def test_the_chart_loads_no_script_and_nothing_from_outside():
    svg = bar_chart(TABLE, title="Savings by financial year")
    assert svg.startswith("<svg ")
    assert "<script" not in svg
    assert "http" not in svg.replace("http://www.w3.org/", "")
    assert 'aria-hidden="true"' in svg
    assert "2012/13" in svg


def test_the_table_alternative_formats_money_and_gaps():
    assert TABLE.formatted_rows() == [
        ["2012/13", "£700,000", "£700,000"],
        ["2013/14", "£3", "–"],
    ]


def test_the_csv_starts_with_a_byte_order_mark_and_keeps_exact_figures():
    response = csv_response(TABLE, "savings.csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert response["Content-Disposition"] == 'attachment; filename="savings.csv"'
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [
        ["Financial year", "Projected", "Realised"],
        ["2012/13", "700000.00", "700000.00"],
        ["2013/14", "2.50", ""],
    ]


def test_money_is_read_to_the_pound_everywhere():
    assert format_pounds(Decimal("25615000")) == "£25,615,000"
    assert format_pounds(Decimal("1250.5")) == "£1,251"
    assert format_pounds(None) == "£0"


def test_returns_read_as_pounds_saved_per_pound_in_tables_too():
    table = DataTable(
        caption="Returns",
        columns=["Strand", "Projected £ saved per £1"],
        rows=[["Experts", Decimal("556.85")], ["Growth", None]],
        roi_columns=frozenset({1}),
    )
    assert table.formatted_rows() == [
        ["Experts", "£557 saved per £1"],
        ["Growth", "no investment recorded"],
    ]
    assert table.exact_rows() == [["Experts", Decimal("556.85")], ["Growth", None]]


def test_the_axis_covers_the_data_with_its_unit():
    table = DataTable(
        caption="Mean savings as % of budget",
        columns=["Financial year", "Achieved (mean %)", "Projected (mean %)"],
        rows=[["2012/13", Decimal("5.7"), None], ["2013/14", None, Decimal("5.3")]],
    )
    axis = value_axis(table)
    assert axis[0] == 0
    assert axis[-1] >= 5.7
    svg = bar_chart(table, title="Savings as % of budget", money=False)
    assert "% of budget" in svg  # the axis says what it counts
    assert ">6%<" in svg  # the top tick, above the largest value
    assert "£" not in svg


def test_only_financial_years_with_figures_are_drawn_with_the_legend_whole():
    # The 2013 programme and this year's round: figures in two of fifteen years.
    years = [f"{start}/{(start + 1) % 100:02d}" for start in range(2012, 2027)]
    figures = {"2013/14": Decimal("450000"), "2026/27": Decimal("120000")}
    table = DataTable(
        caption="Savings by financial year",
        columns=["Financial year", "Projected savings", "Realised savings (verified)"],
        rows=[[year, figures.get(year, Decimal("0")), None] for year in years],
        money_columns=frozenset({1, 2}),
    )
    assert years_with_figures(table).labels() == ["2013/14", "2026/27"]
    svg = bar_chart(table, title="Savings")
    assert "2013/14" in svg and "2026/27" in svg
    assert "2012/13" not in svg and "2019/20" not in svg
    assert "rotate(45" not in svg and "rotate(90" not in svg  # two labels lie flat
    assert svg.count(">Realised savings (verified)<") == 2  # in both drawings, whole
    assert "…" not in svg
    # A table of something else is left as it is.
    assert years_with_figures(
        TABLE.__class__(caption="x", columns=["Strand", "n"], rows=[["OPE", 0]])
    ).rows == [["OPE", 0]]


def test_every_legend_entry_is_inside_the_drawing():
    """The money chart's three series in the wide drawing's two legend
    columns: pygal left no room for the second row and "Paid" was cut off
    at the drawing's bottom edge."""
    import re

    for names in (["Budget", "Committed", "Paid"], ["A", "B"], ["A", "B", "C", "D", "E"]):
        table = DataTable(
            caption="Money",
            columns=["Strand", *names],
            rows=[["Experts", *(Decimal(1000 * (n + 1)) for n in range(len(names)))]],
            money_columns=frozenset(range(1, len(names) + 1)),
        )
        svg = bar_chart(table, title="Money")
        for drawing in svg.split("</svg>")[:2]:
            height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', drawing).group(1))
            top = float(re.search(r'translate\(\d+, (\d+)\)" class="legends"', drawing).group(1))
            legends = drawing.split('class="legends"')[1]
            baselines = [
                float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)">[^<]+</text>', legends)
            ]
            assert len(baselines) == len(names)
            # A baseline with room for the descenders (16 px text) below it.
            assert top + max(baselines) + 4 <= height, (names, top + max(baselines), height)
