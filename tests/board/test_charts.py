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
    with_year_gaps,
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


def test_financial_years_are_on_a_real_scale_with_gaps():
    table = DataTable(
        caption="Savings by financial year",
        columns=["Financial year", "Projected"],
        rows=[["2013/14", Decimal("10")], ["2016/17", Decimal("20")]],
        money_columns=frozenset({1}),
    )
    spaced = with_year_gaps(table)
    assert spaced.labels() == ["2013/14", "2014/15", "2015/16", "2016/17"]
    assert spaced.rows[1] == ["2014/15", None]
    svg = bar_chart(table, title="Savings")
    assert "2014/15" in svg and "2015/16" in svg
    # A table of something else is left as it is.
    assert with_year_gaps(
        TABLE.__class__(caption="x", columns=["Strand"], rows=[["OPE"]])
    ).rows == [["OPE"]]
