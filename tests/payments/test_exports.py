"""Finance's exports of approved claims waiting for payment: CSV and XLSX,
with supplier, cost centre, account code, amount and invoice reference;
a council's typing never becomes a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programmes.payments import services
from programmes.payments.models import StrandLedger
from tests.payments.money import award, claim, commitment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(experts_call, council_a, applicant_a, officer):
    StrandLedger.objects.create(
        strand=experts_call.strand, cost_centre="PP100", nominal_code="5410"
    )
    commitment = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    services.claim_approve(
        claim=claim(commitment, applicant_a, "4000", '=HYPERLINK("http://evil.example/","x")'),
        actor=officer,
    )
    claim(commitment, applicant_a, "1000", "NOT-APPROVED")
    return commitment


def test_the_csv_lists_approved_claims_with_the_finance_codes(officer_client, waiting):
    response = officer_client.get(reverse("admin:payments_claim_awaiting_payment") + "?format=csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == [
        "Supplier",
        "Supplier GSS code",
        "Cost centre",
        "Account code",
        "Amount (£)",
        "Invoice reference",
    ]
    assert len(rows) == 2  # the claim not yet approved is not there
    assert rows[1][:6] == [
        "Allerdale Borough Council",
        "E07000026",
        "PP100",
        "5410",
        "4000.00",
        '\'=HYPERLINK("http://evil.example/","x")',
    ]


def test_the_xlsx_holds_the_same_rows_with_the_formula_as_text(officer_client, waiting):
    response = officer_client.get(reverse("admin:payments_claim_awaiting_payment") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][4] == Decimal("4000") or rows[1][4] == 4000
    assert rows[1][5].startswith("'=HYPERLINK")


def test_finance_sees_the_claims_waiting_for_payment_before_downloading_them(
    officer_client, waiting
):
    text = officer_client.get(reverse("admin:payments_claim_awaiting_payment")).content.decode()
    assert "Allerdale Borough Council" in text
    assert "NOT-APPROVED" not in text
    assert "?format=xlsx" in text


def test_board_members_and_councils_cannot_export(board_client, applicant_a_client, waiting):
    url = reverse("admin:payments_claim_awaiting_payment") + "?format=csv"
    assert board_client.get(url).status_code in (302, 403)
    assert applicant_a_client.get(url).status_code == 302


def test_open_data_says_how_much_of_each_grant_has_been_paid(
    experts_call, council_a, council_b, applicant_a, applicant_b, officer
):
    from datetime import date

    from programmes.board.opendata import grants_csv, package
    from programmes.board.selectors import grant_records
    from programmes.roles import OFFICER
    from tests.board.open_data_schema import package_errors
    from tests.factories import UserFactory
    from tests.payments.money import grant as grant_permission

    finance = grant_permission(
        UserFactory(username="finance", is_staff=True, role=OFFICER), "record_payments"
    )
    paid_award = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    award(experts_call, council_b, applicant_b, officer, "5000")
    approved = services.claim_approve(
        claim=claim(paid_award, applicant_a, "2500.50"), actor=officer
    )
    services.claim_pay(claim=approved, actor=finance, paid_on=date(2013, 12, 1), reference="P-1")

    records = list(grant_records())
    data = package(records, issued=date(2013, 12, 2))
    assert package_errors(data) == []
    disbursed = {grant["amountAwarded"]: grant["amountDisbursed"] for grant in data["grants"]}
    assert disbursed == {8000: 2500.5, 5000: 0}
    rows = list(csv.DictReader(io.StringIO(grants_csv(records))))
    assert sorted(row["Amount Disbursed"] for row in rows) == ["0.00", "2500.50"]


def test_approved_on_is_the_uk_day_not_the_utc_day(experts_call, council_a, applicant_a, officer):
    """Approved at 23:30 UTC on 10 July 2013, which was 00:30 on 11 July in
    London (BST): finance reads 11 July."""
    from datetime import UTC, datetime

    from programmes.payments import exports, selectors

    commitment = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    late = datetime(2013, 7, 10, 23, 30, tzinfo=UTC)
    services.claim_approve(claim=claim(commitment, applicant_a, "4000"), actor=officer, at=late)
    rows = exports.claim_rows(selectors.claims_awaiting_payment())
    assert rows[1][exports.HEADER.index("Approved on")] == "2013-07-11"
