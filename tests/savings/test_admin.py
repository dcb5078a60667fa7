"""Officers' admin writes go through the services: each one marks the outbox."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import Investment, InvestmentSource, OutboxMarker, SavingsEntry, SavingsKind
from savings.services import investment_record, savings_entry_record

D = Decimal


def markers() -> set:
    return set(
        OutboxMarker.objects.values_list("strand__key", "council__short_name", "financial_year")
    )


def investment_form(strand, council, **extra) -> dict:
    return {
        "strand": strand.pk,
        "council": council.pk,
        "source": InvestmentSource.LGA_GRANT,
        "financial_year": "2013/14",
        "amount": "46000",
        "description": "",
        **extra,
    }


@pytest.mark.django_db
def test_adding_investment_in_the_admin_marks_the_outbox(officer_client, strands, council_a):
    response = officer_client.post(
        reverse("admin:savings_investment_add"), investment_form(strands["experts"], council_a)
    )
    assert response.status_code == 302, response.content
    assert Investment.objects.get().amount == D("46000")
    assert markers() == {("experts", "Allerdale", "2013/14")}


@pytest.mark.django_db
def test_changing_investment_in_the_admin_marks_old_and_new_scopes(
    officer_client, strands, council_a, council_b
):
    investment = investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=D("1"),
    )
    rollups.drain()
    response = officer_client.post(
        reverse("admin:savings_investment_change", args=[investment.pk]),
        investment_form(strands["experts"], council_b),
    )
    assert response.status_code == 302, response.content
    assert markers() == {("experts", "Allerdale", "2013/14"), ("experts", "Wyre Forest", "2013/14")}


@pytest.mark.django_db
def test_deleting_in_the_admin_marks_the_outbox(officer_client, strands, council_a):
    investment = investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=D("1"),
    )
    rollups.drain()
    officer_client.post(
        reverse("admin:savings_investment_delete", args=[investment.pk]), {"post": "yes"}
    )
    assert not Investment.objects.exists()
    assert markers() == {("experts", "Allerdale", "2013/14")}


@pytest.mark.django_db
def test_bulk_deleting_savings_in_the_admin_marks_the_outbox(officer_client, strands, council_a):
    entry = savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2012/13",
        kind=SavingsKind.PROJECTED,
        amount=D("5"),
    )
    rollups.drain()
    officer_client.post(
        reverse("admin:savings_savingsentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert not SavingsEntry.objects.exists()
    assert markers() == {("experts", "Allerdale", "2012/13")}


@pytest.mark.django_db
def test_verifying_returns_in_bulk_counts_them_as_realised(
    officer_client, officer, strands, council_a
):
    from savings.selectors import rollup_for

    entry = savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2012/13",
        kind=SavingsKind.REALISED,
        amount=D("2300000"),
    )
    rollups.drain()
    response = officer_client.post(
        reverse("admin:savings_savingsentry_changelist"),
        {"action": "verify_selected", "_selected_action": [entry.pk]},
        follow=True,
    )
    assert "Verified 1 realised savings." in response.content.decode()
    entry.refresh_from_db()
    assert entry.verified_by == officer
    assert markers() == {("experts", "Allerdale", "2012/13")}
    rollups.drain()
    assert rollup_for(strand=strands["experts"]).realised == D("2300000")


@pytest.mark.django_db
def test_adding_a_checked_realised_saving_counts_it_verified(officer_client, strands, council_a):
    response = officer_client.post(
        reverse("admin:savings_savingsentry_add"),
        {
            "strand": strands["experts"].pk,
            "council": council_a.pk,
            "financial_year": "2012/13",
            "kind": SavingsKind.REALISED,
            "recurrence": "one_off",
            "amount": "2300000",
            "evidence": "Contracts renegotiated",
            "mark_verified": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert SavingsEntry.objects.get().is_verified
    assert markers() == {("experts", "Allerdale", "2012/13")}


CSV_GOOD = (
    "strand,council_gss_code,financial_year,amount,kind,verified\n"
    "experts,E07000026,2012/13,2300000,realised,yes\n"
    "experts,E07000239,2012/13,700000,projected,no\n"
)
CSV_ONE_BAD = CSV_GOOD + "experts,E99999999,2012/3,lots,guessed,no\n"


def upload(text: str, name: str = "savings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.django_db
def test_a_dry_run_previews_and_saves_nothing(officer_client, strands, council_a, council_b):
    response = officer_client.post(
        reverse("admin:savings_savingsentry_import"), {"file": upload(CSV_GOOD), "dry_run": "on"}
    )
    assert "all 2 rows can be imported" in response.content.decode()
    assert not SavingsEntry.objects.exists()
    assert not OutboxMarker.objects.exists()


@pytest.mark.django_db
def test_a_file_with_a_bad_row_imports_nothing_and_says_why(
    officer_client, strands, council_a, council_b
):
    response = officer_client.post(
        reverse("admin:savings_savingsentry_import"), {"file": upload(CSV_ONE_BAD)}
    )
    page = response.content.decode()
    assert "Row 4:" in page
    assert "no council has the GSS code" in page
    assert "Enter a financial year" in page
    assert "is not an amount of money" in page
    assert not SavingsEntry.objects.exists()


@pytest.mark.django_db
def test_an_import_writes_every_row_through_the_services(
    officer_client, strands, council_a, council_b
):
    response = officer_client.post(
        reverse("admin:savings_savingsentry_import"), {"file": upload(CSV_GOOD)}
    )
    assert response.status_code == 302
    assert SavingsEntry.objects.count() == 2
    assert SavingsEntry.objects.get(kind="realised").is_verified
    assert markers() == {("experts", "Allerdale", "2012/13"), ("experts", "Wyre Forest", "2012/13")}


@pytest.mark.django_db
def test_an_xlsx_import_of_investment_works(officer_client, strands, council_a):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Strand", "Council GSS code", "Financial year", "Amount", "Source"])
    sheet.append(["ope", "E07000026", "2013/14", 23000, "cabinet_office"])
    data = BytesIO()
    book.save(data)
    file = SimpleUploadedFile("investment.xlsx", data.getvalue())
    response = officer_client.post(reverse("admin:savings_investment_import"), {"file": file})
    assert response.status_code == 302
    assert Investment.objects.get().amount == D("23000")
    assert markers() == {("ope", "Allerdale", "2013/14")}


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_is_refused(officer_client, strands):
    response = officer_client.post(
        reverse("admin:savings_investment_import"), {"file": upload("hello", "notes.txt")}
    )
    assert "must be a CSV or XLSX file" in response.content.decode()


@pytest.mark.django_db
def test_rollups_are_read_only_in_the_admin(officer_client):
    assert officer_client.get(reverse("admin:savings_rollup_add")).status_code == 403


@pytest.mark.django_db
def test_saving_a_saving_that_a_colleague_deleted_says_so_and_brings_nothing_back(
    officer_client, strands, council_a, monkeypatch
):
    from django.contrib import admin as django_admin

    from savings.services import savings_entry_delete

    entry = savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2013/14",
        kind="projected",
        amount=Decimal("1000"),
    )
    url = f"/admin/savings/savingsentry/{entry.pk}/change/"
    data = {
        "strand": entry.strand_id,
        "council": entry.council_id,
        "financial_year": "2013/14",
        "kind": "projected",
        "recurrence": "one_off",
        "amount": "5000",
        "evidence": "",
    }
    # The colleague's delete lands between the admin reading the row and saving it.
    entry_admin = django_admin.site._registry[SavingsEntry]
    stale = SavingsEntry.objects.get(pk=entry.pk)
    monkeypatch.setattr(entry_admin, "get_object", lambda *args, **kwargs: stale)
    savings_entry_delete(actor=SYSTEM, entry=SavingsEntry.objects.get(pk=entry.pk))
    response = officer_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "was deleted by another officer" in response.content.decode()
    assert not SavingsEntry.objects.exists()


@pytest.mark.django_db
def test_an_earlier_award_date_needs_a_reason_which_the_audit_trail_keeps(
    officer_client, strands, council_a
):
    from auditlog.models import LogEntry

    url = reverse("admin:savings_investment_add")
    earlier = investment_form(strands["growth"], council_a, awarded_on="2013-09-02")
    refused = officer_client.post(url, earlier)
    assert refused.status_code == 200
    assert "Say why the date is earlier than today" in refused.content.decode()
    future = officer_client.post(url, {**earlier, "awarded_on": "2999-01-01"})
    assert "The date must be today or in the past" in future.content.decode()
    assert not Investment.objects.exists()

    reason = "Decided at the panel of 2 September 2013; recorded late"
    saved = officer_client.post(url, {**earlier, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    investment = Investment.objects.get()
    assert str(investment.awarded_on) == "2013-09-02"
    entry = LogEntry.objects.get_for_object(investment).get()
    assert entry.additional_data["reason"] == reason


@pytest.mark.django_db
def test_a_saving_added_in_the_admin_without_a_date_is_reported_today(
    officer_client, strands, council_a
):
    from django.utils import timezone

    response = officer_client.post(
        reverse("admin:savings_savingsentry_add"),
        {
            "strand": strands["experts"].pk,
            "council": council_a.pk,
            "financial_year": "2013/14",
            "kind": SavingsKind.PROJECTED,
            "recurrence": "one_off",
            "amount": "1000",
            "evidence": "",
        },
    )
    assert response.status_code == 302, response.content
    assert SavingsEntry.objects.get().reported_on == timezone.localdate()


@pytest.mark.django_db
def test_a_saving_verified_earlier_says_when_and_why(officer_client, strands, council_a):
    from auditlog.models import LogEntry

    form = {
        "strand": strands["experts"].pk,
        "council": council_a.pk,
        "financial_year": "2013/14",
        "kind": SavingsKind.REALISED,
        "recurrence": "one_off",
        "amount": "2300000",
        "evidence": "Contract variations",
        "reported_on": "2013-01-20",
        "mark_verified": "on",
        "verified_on": "2013-01-27",
    }
    url = reverse("admin:savings_savingsentry_add")
    refused = officer_client.post(url, form)
    assert "Say why the date is earlier than today" in refused.content.decode()
    before = officer_client.post(url, {**form, "verified_on": "2013-01-01", "date_reason": "x"})
    assert "A saving is verified on or after it was reported" in before.content.decode()
    reason = "Verified at the January 2013 review; entered now"
    saved = officer_client.post(url, {**form, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    entry = SavingsEntry.objects.get()
    assert str(entry.reported_on) == "2013-01-20"
    assert entry.verified_at is not None and entry.verified_at.date().isoformat() == "2013-01-27"
    assert LogEntry.objects.get_for_object(entry).get().additional_data["reason"] == reason
