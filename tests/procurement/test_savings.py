"""Savings a workstream generates: savings facts through the savings services."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from programmes.permissions import SYSTEM
from programmes.procurement.models import Workstream, WorkstreamSaving
from programmes.procurement.selectors import workstream_savings
from programmes.procurement.services import workstream_saving_record, workstream_upsert
from savings import rollups
from savings.models import OutboxMarker, SavingsEntry
from savings.selectors import rollup_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ict(strands, council_a):
    return workstream_upsert(actor=SYSTEM, slug="ict", name="ICT", lead_council=council_a)


def test_a_workstream_saving_is_a_procurement_savings_fact_in_the_rollups(ict, council_a, officer):
    saving = workstream_saving_record(
        workstream=ict,
        council=council_a,
        financial_year="2012/13",
        kind="realised",
        amount=Decimal("250000"),
        actor=officer,
        verified=True,
    )
    entry = saving.savings_entry
    assert (entry.strand.key, entry.council, entry.financial_year) == (
        "procurement",
        council_a,
        "2012/13",
    )
    assert OutboxMarker.objects.filter(council=council_a, financial_year="2012/13").exists()
    rollups.drain()
    assert rollup_for(strand=strands_procurement()).realised == Decimal("250000")


def strands_procurement():
    from programmes.models import Strand

    return Strand.objects.get(key="procurement")


def test_the_admin_adds_a_saving_through_the_service(officer_client, ict, council_b):
    response = officer_client.post(
        reverse("admin:procurement_workstreamsaving_add"),
        {
            "workstream": ict.pk,
            "council": council_b.pk,
            "financial_year": "2013/14",
            "kind": "projected",
            "recurrence": "one_off",
            "amount": "£120,000",
            "evidence": "Framework pricing",
            "note": "",
        },
    )
    assert response.status_code == 302
    saving = WorkstreamSaving.objects.get()
    assert saving.savings_entry.amount == Decimal("120000")
    assert OutboxMarker.objects.filter(council=council_b).exists()


def test_the_admin_refuses_a_bad_year_and_verifying_a_projection(officer_client, ict, council_b):
    response = officer_client.post(
        reverse("admin:procurement_workstreamsaving_add"),
        {
            "workstream": ict.pk,
            "council": council_b.pk,
            "financial_year": "2013-14",
            "kind": "projected",
            "recurrence": "one_off",
            "amount": "1000",
            "mark_verified": "on",
        },
    )
    errors = response.context["adminform"].form.errors
    assert "financial_year" in errors
    assert errors["mark_verified"] == ["Only realised savings are verified"]
    assert not SavingsEntry.objects.exists()


def test_deleting_in_the_admin_deletes_the_fact_and_marks_the_outbox(
    officer_client, ict, council_a
):
    saving = workstream_saving_record(
        actor=SYSTEM,
        workstream=ict,
        council=council_a,
        financial_year="2013/14",
        kind="projected",
        amount=Decimal("1"),
    )
    OutboxMarker.objects.all().delete()
    officer_client.post(
        reverse("admin:procurement_workstreamsaving_delete", args=[saving.pk]), {"post": "yes"}
    )
    assert not SavingsEntry.objects.exists()
    assert OutboxMarker.objects.filter(council=council_a).exists()


def test_the_savings_list_does_not_query_per_row(
    officer_client, ict, council_a, django_assert_max_num_queries
):
    for year in ("2012/13", "2013/14", "2014/15"):
        workstream_saving_record(
            actor=SYSTEM,
            workstream=ict,
            council=council_a,
            financial_year=year,
            kind="projected",
            amount=1,
        )
    with django_assert_max_num_queries(12):
        response = officer_client.get(reverse("admin:procurement_workstreamsaving_changelist"))
    assert response.status_code == 200
    with django_assert_max_num_queries(1):
        assert len([s.savings_entry.council.name for s in workstream_savings()]) == 3


def test_the_demo_has_icts_illustrative_saving_once(demo, settings):
    settings.DEBUG = True
    call_command("load_demo")
    saving = WorkstreamSaving.objects.select_related("savings_entry__council").get()
    assert saving.workstream == Workstream.objects.get(slug="ict")
    assert saving.savings_entry.council.short_name == "Camden"
    assert saving.savings_entry.evidence.startswith("Illustrative figure")
