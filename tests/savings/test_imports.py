"""The officer's import refuses a bad row with its number and a reason, never a server error,
and a file the preview accepts always imports."""

import csv
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from savings.models import Investment, OutboxMarker, SavingsEntry

D = Decimal
SAVINGS_URL = "admin:savings_savingsentry_import"
INVESTMENT_URL = "admin:savings_investment_import"
SAVINGS_HEADER = ["strand", "council_gss_code", "financial_year", "amount", "kind", "evidence"]
INVESTMENT_HEADER = ["strand", "council_gss_code", "financial_year", "amount", "source"]
GOOD_SAVING = ["experts", "E07000026", "2012/13", "2300000", "projected", "Contracts"]
GOOD_INVESTMENT = ["experts", "E07000026", "2013/14", "46000", "lga_grant"]
NOT_MONEY = ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "lots"]


def csv_file(header: list, *rows: list) -> SimpleUploadedFile:
    text = StringIO()
    csv.writer(text).writerows([header, *rows])
    return SimpleUploadedFile("rows.csv", text.getvalue().encode(), content_type="text/csv")


def xlsx_file(header: list, *rows: list) -> SimpleUploadedFile:
    book = Workbook()
    for row in (header, *rows):
        book.active.append(row)
    data = BytesIO()
    book.save(data)
    return SimpleUploadedFile("rows.xlsx", data.getvalue())


MAKERS = {"csv": csv_file, "xlsx": xlsx_file}


def post(client, url: str, file, *, dry_run: bool):
    data = {"file": file, **({"dry_run": "on"} if dry_run else {})}
    response = client.post(reverse(url), data)
    assert response.status_code in (200, 302), response.status_code
    return response


def refused(client, url: str, make, header, *rows) -> str:
    """Both the dry run and the import refuse the file, save nothing, and say why."""
    for dry_run in (True, False):
        response = post(client, url, make(header, *rows), dry_run=dry_run)
        assert response.status_code == 200, "the file was imported"
        page = response.content.decode()
        assert "so nothing was imported" in page
    assert not SavingsEntry.objects.exists()
    assert not Investment.objects.exists()
    assert not OutboxMarker.objects.exists()
    return page


@pytest.fixture
def setting(strands, council_a, council_b):
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("amount", NOT_MONEY)
def test_an_amount_that_is_not_money_is_a_row_error(officer_client, setting, kind, amount):
    row = [*GOOD_SAVING[:3], amount, *GOOD_SAVING[4:]]
    page = refused(officer_client, SAVINGS_URL, MAKERS[kind], SAVINGS_HEADER, GOOD_SAVING, row)
    assert "Row 3: amount" in page
    assert "is not an amount of money, like 1250.50" in page


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize(
    "amount", ["1234567890123456", "1000000000000", "999999999999.999", "1e999999"]
)
def test_an_amount_beyond_the_models_digits_is_refused_by_the_preview_too(
    officer_client, setting, kind, amount
):
    row = [*GOOD_INVESTMENT[:3], amount, GOOD_INVESTMENT[4]]
    page = refused(officer_client, INVESTMENT_URL, MAKERS[kind], INVESTMENT_HEADER, row)
    assert "Row 2: amount" in page


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MAKERS)
def test_a_16_digit_spreadsheet_number_is_refused(officer_client, setting, kind):
    # A number cell, as a spreadsheet stores it: a float.
    row = [*GOOD_INVESTMENT[:3], 1234567890123456.0, GOOD_INVESTMENT[4]]
    page = refused(officer_client, INVESTMENT_URL, MAKERS[kind], INVESTMENT_HEADER, row)
    assert "Row 2: amount" in page
    assert "must be less than £1,000,000,000,000" in page


@pytest.mark.django_db
def test_a_nul_character_in_the_evidence_is_a_row_error(officer_client, setting):
    row = [*GOOD_SAVING[:5], "Checked\x00by the auditor"]
    page = refused(officer_client, SAVINGS_URL, csv_file, SAVINGS_HEADER, GOOD_SAVING, row)
    assert "Row 3: evidence contains a NUL character" in page


@pytest.mark.django_db
def test_a_cell_longer_than_the_csv_reader_takes_is_a_row_error(officer_client, setting):
    row = [*GOOD_SAVING[:5], "x" * (csv.field_size_limit() + 1)]
    page = refused(
        officer_client, SAVINGS_URL, csv_file, SAVINGS_HEADER, GOOD_SAVING, row, GOOD_SAVING
    )
    assert "Row 3: a value is longer than 131,072 characters" in page
    assert "Row 4" not in page
    # The message quotes no part of the huge cell.
    assert "x" * 100 not in page


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MAKERS)
def test_a_description_over_the_models_limit_is_refused_not_cut_short(
    officer_client, setting, kind
):
    header = [*INVESTMENT_HEADER, "description"]
    row = [*GOOD_INVESTMENT, "d" * 301]
    page = refused(officer_client, INVESTMENT_URL, MAKERS[kind], header, row)
    assert "Row 2: description: Ensure this value has at most 300 characters" in page


@pytest.mark.django_db
def test_row_numbers_count_the_blank_rows_the_import_skips(officer_client, setting):
    bad = [*GOOD_SAVING[:3], "NaN", *GOOD_SAVING[4:]]
    page = refused(officer_client, SAVINGS_URL, csv_file, SAVINGS_HEADER, GOOD_SAVING, [], bad)
    assert "Row 4: amount" in page


# Amounts an officer's spreadsheet might hold. Whatever the preview makes of
# each, the import must agree: refuse it with a row error, or save it.
ODD_AMOUNTS = [
    "0",
    "-0",
    "0.001",
    "1.500",
    "1e2",
    "1E-2",
    "+5",
    "£1,250.50",
    "5_000",
    "١٢٣",
    "999999999999.99",
    "1000000000000",
    "12345678901234",
    " 7 ",
    "0x10",
    "1e-999999",
]


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ODD_AMOUNTS)
def test_an_amount_the_preview_accepts_always_imports(officer_client, setting, amount):
    row = [*GOOD_SAVING[:3], amount, *GOOD_SAVING[4:]]
    preview = post(officer_client, SAVINGS_URL, csv_file(SAVINGS_HEADER, row), dry_run=True)
    accepted = "all 1 row can be imported" in preview.content.decode()
    response = post(officer_client, SAVINGS_URL, csv_file(SAVINGS_HEADER, row), dry_run=False)
    if accepted:
        assert response.status_code == 302
        saved = SavingsEntry.objects.get().amount
        assert saved == D(amount.replace(",", "").replace("£", "").strip())
    else:
        assert "Row 2: amount" in response.content.decode()
        assert not SavingsEntry.objects.exists()
