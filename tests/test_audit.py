"""The audit trail: every write path to money and decisions leaves an entry
saying who, when, through what, and each field's old and new value."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services as bids
from applications.models import Application, Document, Score
from programmes import audit
from programmes.permissions import SYSTEM
from programmes.roles import OFFICER
from savings import services
from savings.models import InvestmentSource, SavingsEntry, SavingsKind
from tests.applications.bids import bid_completed, bid_in_assessment, bid_submitted
from tests.pdfs import PDF

pytestmark = pytest.mark.django_db
D = Decimal


def amounts(change: list[str]) -> list:
    """Old and new amounts as numbers: the library stores the value it was
    given, so 50000 and 50000.00 are the same amount."""
    return [None if value == "None" else D(value) for value in change]


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def last_entry(obj) -> LogEntry:
    return entries_for(obj)[-1]


def through(entry: LogEntry) -> str:
    return entry.additional_data["through"]


@pytest.fixture
def investment(strands, council_a):
    return services.investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=D("46000"),
    )


def realised(strands, council, amount: str = "2300000") -> SavingsEntry:
    return services.savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council,
        financial_year="2012/13",
        kind=SavingsKind.REALISED,
        amount=D(amount),
    )


def test_every_money_and_decision_model_is_audited():
    from auditlog.registry import auditlog
    from django.apps import apps

    for label in audit.AUDITED:
        assert auditlog.contains(apps.get_model(label)), label


def test_a_service_change_outside_a_request_is_recorded_as_the_system(investment):
    services.investment_update(actor=SYSTEM, investment=investment, amount=D("50000"))
    entry = last_entry(investment)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor is None
    assert through(entry) == "system"
    assert list(entry.changes_dict) == ["amount"]
    assert amounts(entry.changes_dict["amount"]) == [D("46000"), D("50000")]


def test_creating_a_fact_records_its_values(investment):
    entry = entries_for(investment)[0]
    assert entry.action == LogEntry.Action.CREATE
    assert "id" in entry.changes_dict
    assert amounts(entry.changes_dict["amount"]) == [None, D("46000")]


def test_an_admin_change_records_the_officer_and_the_old_and_new_value(
    officer_client, officer, investment, strands, council_a
):
    response = officer_client.post(
        reverse("admin:savings_investment_change", args=[investment.pk]),
        {
            "strand": strands["experts"].pk,
            "council": council_a.pk,
            "source": InvestmentSource.LGA_GRANT,
            "financial_year": "2013/14",
            "amount": "47500",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content
    entry = last_entry(investment)
    assert entry.actor == officer
    assert through(entry) == "admin"
    assert amounts(entry.changes_dict["amount"]) == [D("46000"), D("47500")]


def test_a_page_change_records_the_applicant(
    applicant_a_client, applicant_a, experts_call, council_a
):
    draft = bid_completed(experts_call, council_a, applicant_a)
    response = applicant_a_client.post(
        f"/bids/{draft.reference}/documents/", {"file": SimpleUploadedFile("plan.pdf", PDF)}
    )
    assert response.status_code == 302
    entry = last_entry(Document.objects.get(application=draft))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == applicant_a
    assert through(entry) == "page"


def test_an_import_records_each_row_as_imported_by_the_officer(
    officer_client, officer, strands, council_a, council_b
):
    csv = (
        "strand,council_gss_code,financial_year,amount,kind,verified\n"
        "experts,E07000026,2012/13,2300000,realised,yes\n"
        "experts,E07000239,2012/13,700000,projected,no\n"
    )
    response = officer_client.post(
        reverse("admin:savings_savingsentry_import"),
        {"file": SimpleUploadedFile("savings.csv", csv.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302
    for entry in SavingsEntry.objects.all():
        (created,) = entries_for(entry)
        assert created.actor == officer
        assert through(created) == "import"


def test_a_bulk_verify_records_each_entry_as_a_bulk_action(
    officer_client, officer, strands, council_a, council_b
):
    facts = [realised(strands, council_a), realised(strands, council_b, "500")]
    response = officer_client.post(
        reverse("admin:savings_savingsentry_changelist"),
        {"action": "verify_selected", "_selected_action": [fact.pk for fact in facts]},
    )
    assert response.status_code == 302
    for fact in facts:
        entry = last_entry(fact)
        assert entry.actor == officer
        assert through(entry) == "bulk action"
        assert entry.changes_dict["verified_at"][0] == "None"
        assert entry.changes_dict["verified_by"] == ["None", str(officer.pk)]


def test_a_bulk_delete_records_every_deleted_fact(strands, council_a, council_b):
    facts = [realised(strands, council_a), realised(strands, council_b, "500")]
    assert services.savings_entries_delete(actor=SYSTEM, entries=facts) == 2
    for fact in facts:
        entry = last_entry(fact)
        assert entry.action == LogEntry.Action.DELETE
        assert through(entry) == "system"


def test_a_bulk_delete_in_the_admin_records_the_officer(
    officer_client, officer, strands, council_a
):
    fact = realised(strands, council_a)
    response = officer_client.post(
        reverse("admin:savings_savingsentry_changelist"),
        {"action": "delete_selected", "_selected_action": [fact.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not SavingsEntry.objects.exists()
    entry = last_entry(fact)
    assert entry.action == LogEntry.Action.DELETE
    assert entry.actor == officer
    assert through(entry) == "bulk action"


def test_a_bids_creation_lists_its_own_fields_not_its_related_rows(
    experts_call, council_a, applicant_a
):
    draft = bid_completed(experts_call, council_a, applicant_a)
    created = entries_for(draft)[0]
    assert created.action == LogEntry.Action.CREATE
    assert "reference" in created.changes_dict
    assert not {"scores", "events", "documents", "notices"} & set(created.changes_dict)


def test_decisions_scores_and_awards_are_recorded(experts_call, council_a, applicant_a, officer):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    bids.assessment_save(application=application, actor=officer, scores={"savings_potential": 4})
    score = Score.objects.get(application=application, criterion="savings_potential")
    bids.assessment_save(application=application, actor=officer, scores={"savings_potential": 2})
    assert last_entry(score).changes_dict["score"] == ["4", "2"]
    bids.application_decline(application=application, actor=officer, reasons="Too small")
    states = [entry.changes_dict.get("state") for entry in entries_for(application)]
    assert ["in_assessment", "declined"] in states


def test_a_bulk_decline_in_the_admin_is_a_bulk_action(
    officer_client, officer, experts_call, council_a, applicant_a
):
    application = bid_submitted(experts_call, council_a, applicant_a)
    response = officer_client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "decline_selected", "_selected_action": [application.pk], "note": "No"},
    )
    assert response.status_code == 302
    entry = last_entry(Application.objects.get(pk=application.pk))
    assert entry.changes_dict["state"] == ["submitted", "declined"]
    assert entry.actor == officer
    assert through(entry) == "bulk action"


def test_officers_see_a_bids_trail_with_old_and_new_values(
    officer_client, experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    bids.assessment_save(application=application, actor=officer, scores={"savings_potential": 4})
    bids.assessment_save(application=application, actor=officer, scores={"savings_potential": 2})
    assess = officer_client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    )
    history = reverse("admin:applications_application_history", args=[application.pk])
    assert history in assess.content.decode()
    page = officer_client.get(history).content.decode()
    assert "Change history" in page
    assert "<td>submitted</td><td>in_assessment</td>" in page
    # The score is a part of the bid: its change shows on the bid's trail.
    assert "Score:" in page
    assert "<td>4</td><td>2</td>" in page
    assert "through system" in page


def test_officers_see_a_facts_trail_in_the_admin(officer_client, investment):
    services.investment_update(actor=SYSTEM, investment=investment, amount=D("50000"))
    page = officer_client.get(
        reverse("admin:savings_investment_history", args=[investment.pk])
    ).content.decode()
    assert "46000" in page and "50000" in page
    assert "system" in page


def test_officers_read_the_log_but_cannot_change_or_delete_it(officer_client, officer, investment):
    entry = last_entry(investment)
    assert officer.has_perm("auditlog.view_logentry")
    assert not officer.has_perm("auditlog.change_logentry")
    assert not officer.has_perm("auditlog.delete_logentry")
    assert officer_client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert officer_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    officer_client.post(change, {"action": "0"})
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert LogEntry.objects.get(pk=entry.pk).changes == entry.changes


def test_the_officer_role_grants_nothing_but_viewing_the_log():
    from django.contrib.auth.models import Group

    granted = Permission.objects.filter(
        group__name=OFFICER, content_type__app_label="auditlog"
    ).values_list("codename", flat=True)
    assert set(granted) == {"view_logentry"}
    assert Group.objects.filter(name=OFFICER).exists()


def test_board_members_cannot_read_the_log(board_client):
    response = board_client.get(reverse("admin:auditlog_logentry_changelist"))
    assert response.status_code in (302, 403)


def test_services_never_bypass_the_signals_with_update_on_audited_models():
    """queryset.update() writes without a signal, so it would leave no entry.
    Only the draft's creation time (set once, at creation) is written so."""
    import re
    from pathlib import Path

    from django.apps import apps

    names = {apps.get_model(label).__name__ for label in audit.AUDITED}
    allowed = {"Application.objects.filter(pk=application.pk).update(created_at=at)"}
    root = Path(__file__).resolve().parent.parent
    found = []
    for path in [*root.glob("applications/*.py"), *root.glob("savings/*.py")] + list(
        root.glob("programmes/**/*.py")
    ):
        if "migrations" in path.parts or path.name == "demo.py":
            continue
        for match in re.finditer(r"\b(\w+)\.objects\.[^\n]*\.update\([^\n]*", path.read_text()):
            if match.group(1) in names and match.group(0).strip() not in allowed:
                found.append(f"{path.name}: {match.group(0)}")
    assert found == []


def test_a_resource_type_that_is_not_an_id_filters_to_nothing(officer_client, investment):
    response = officer_client.get(
        reverse("admin:auditlog_logentry_changelist") + "?resource_type=x"
    )
    assert response.status_code == 200
    assert "0 log entries" in response.content.decode()
