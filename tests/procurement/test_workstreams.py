"""The procurement workstreams as the board and officers see them."""

from datetime import date

import pytest
from django.db import IntegrityError
from django.urls import reverse

from programmes.permissions import SYSTEM
from programmes.procurement.models import BoardMemberKind, ProgrammeBoardMember, Workstream
from programmes.procurement.selectors import eu_milestones, workstreams_with_status
from programmes.procurement.services import activity_upsert, workstream_upsert
from tests.factories import CouncilFactory


@pytest.fixture
def demo(demo, settings):
    settings.DEBUG = True  # for the tests that load it again


def test_the_demo_has_the_three_workstreams_with_their_lead_councils(demo):
    leads = {w.name: w.lead_council.short_name for w in workstreams_with_status()}
    assert leads == {"Construction": "Lincolnshire", "Energy": "Gloucestershire", "ICT": "Camden"}


def test_the_energy_workstream_reports_to_the_national_advisory_group(demo):
    energy = Workstream.objects.get(slug="energy")
    deadline = energy.deadlines.get()
    assert deadline.report_to == "the National Advisory Group and the LGA"
    # "By September's Improvement and Innovation Board" (para 23.2): its meeting.
    assert deadline.due_on == date(2013, 9, 18)
    assert deadline.description == "By September's Improvement and Innovation Board"
    assert "230 councils" in energy.key_facts
    assert energy.issues.count() == 4


def test_the_eu_tracker_dates_the_deal_and_the_plenary(demo):
    milestones = [(m.when, m.get_status_display()) for m in eu_milestones()]
    # Reached before the 17 July 2013 paper (docs/board.md, "The July 2013 paper").
    assert milestones == [("26 June 2013", "Reached"), ("September 2013", "Due")]


def test_rag_counts_come_with_the_workstreams(demo):
    construction = workstreams_with_status().get(slug="construction")
    assert (construction.red, construction.amber, construction.green) == (0, 1, 2)


@pytest.mark.django_db
def test_the_board_table_costs_the_same_queries_however_many_workstreams(
    django_assert_num_queries,
):
    def make(start: int, n: int) -> None:
        for i in range(start, start + n):
            workstream = workstream_upsert(
                actor=SYSTEM, slug=f"w{i}", name=f"Workstream {i}", lead_council=CouncilFactory()
            )
            activity_upsert(
                actor=SYSTEM, workstream=workstream, title="Map frameworks", status="amber"
            )

    make(0, 2)
    with django_assert_num_queries(2):
        small = [
            (w.lead_council.name, w.amber, list(w.deadlines.all()))
            for w in workstreams_with_status()
        ]
    make(2, 8)
    with django_assert_num_queries(2):
        large = [
            (w.lead_council.name, w.amber, list(w.deadlines.all()))
            for w in workstreams_with_status()
        ]
    assert len(small) == 2 and len(large) == 10


@pytest.mark.django_db
def test_a_council_seat_must_name_the_council():
    workstream = workstream_upsert(
        actor=SYSTEM, slug="ict", name="ICT", lead_council=CouncilFactory()
    )
    with pytest.raises(IntegrityError):
        ProgrammeBoardMember.objects.create(workstream=workstream, kind=BoardMemberKind.COUNCIL)


def test_officers_edit_workstreams_in_the_admin(demo, officer_client):
    energy = Workstream.objects.get(slug="energy")
    assert officer_client.get(reverse("admin:procurement_workstream_changelist")).status_code == 200
    page = officer_client.get(reverse("admin:procurement_workstream_change", args=[energy.pk]))
    assert page.status_code == 200
    assert "Overcharging on tariffs" in page.content.decode()


def test_board_members_cannot_edit_workstreams(demo, board_client):
    energy = Workstream.objects.get(slug="energy")
    url = reverse("admin:procurement_workstream_change", args=[energy.pk])
    # Board members are not staff: the admin sends them to its sign-in page.
    assert board_client.post(url, {"name": "Changed"}).status_code == 302
    assert Workstream.objects.get(pk=energy.pk).name == "Energy"
