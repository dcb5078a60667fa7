"""Charts carry their data as a table and a CSV that Excel opens with the £ intact."""

import csv
import io
from decimal import Decimal

from programmes.board.charts import DataTable, bar_chart, csv_response, format_pounds

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
        ["2013/14", "£2.50", "–"],
    ]


def test_the_csv_starts_with_a_byte_order_mark_and_keeps_exact_figures():
    response = csv_response(TABLE, "savings.csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert response["Content-Disposition"] == 'attachment; filename="savings.csv"'
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [
        ["Financial year", "Projected", "Realised"],
        ["2012/13", "700000", "700000"],
        ["2013/14", "2.5", ""],
    ]


def test_pounds_are_shown_whole_unless_there_are_pence():
    assert format_pounds(Decimal("25615000")) == "£25,615,000"
    assert format_pounds(Decimal("1250.5")) == "£1,250.50"
