"""Downloads cannot carry spreadsheet formulas from what people typed (OWASP CSV Injection)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationState, Call
from programmes.board.charts import DataTable, csv_response
from programmes.spreadsheets import spreadsheet_cell

FORMULA = '=HYPERLINK("http://evil.example/","Click")'


def rows_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))


@pytest.mark.django_db
def test_a_bid_title_that_is_a_formula_reaches_open_data_as_text(client, strands, council_a):
    now = timezone.now()
    call = Call.objects.create(
        strand=strands["experts"],
        title="Experts round",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    Application.objects.create(
        call=call,
        lead_council=council_a,
        reference="PE-2013-0099",
        title=FORMULA,
        summary="@SUM(1+1)*cmd|' /C calc'!A0",
        state=ApplicationState.APPROVED,
        award_amount=Decimal("6000"),
        decided_at=now,
    )
    response = client.get(reverse("opendata:csv"))
    assert response.status_code == 200
    header, row = rows_of(b"".join(response.streaming_content))
    grant = dict(zip(header, row, strict=True))
    assert grant["Title"] == "'" + FORMULA
    assert grant["Description"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert grant["Amount Awarded"] == "6000.00"


def test_a_board_csv_neutralises_text_and_keeps_negative_numbers_as_numbers():
    table = DataTable(
        caption="Savings by council",
        columns=["Council", "Realised"],
        rows=[[FORMULA, Decimal("-1250.00")], ["-1250.00", 7], ["\tTabbed", None]],
    )
    assert rows_of(csv_response(table, "councils.csv").content) == [
        ["Council", "Realised"],
        ["'" + FORMULA, "-1250.00"],
        # A string is text even when it looks like a number: someone typed it.
        ["'-1250.00", "7"],
        ["'\tTabbed", ""],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_quoted(start):
    assert spreadsheet_cell(f"{start}1+1") == f"'{start}1+1"


def test_ordinary_text_and_numbers_are_left_alone():
    assert spreadsheet_cell("Allerdale Borough Council") == "Allerdale Borough Council"
    assert spreadsheet_cell(Decimal("-3.5")) == Decimal("-3.5")
    assert spreadsheet_cell(-2) == -2
    assert spreadsheet_cell(None) == ""
