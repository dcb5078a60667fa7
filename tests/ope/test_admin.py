"""Officers run One Public Estate in the admin: lists with filters and search in a
constant number of queries, and every change through the services."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.ope import services
from programmes.ope.models import Event, Pilot, PlanState, ProjectPlan, ResourceAllocation
from programmes.permissions import SYSTEM
from tests.factories import CouncilFactory, PilotFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db
ADMIN = "/admin/ope/"


def _pilot_with_plan(officer, n: int) -> ProjectPlan:
    council = CouncilFactory(name=f"Pilotshire Council {n}", short_name=f"Pilotshire {n}")
    plan = ProjectPlanFactory(pilot=PilotFactory(council=council), title=f"Plan {n}")
    services.plan_submit(plan=plan, actor=SYSTEM)
    services.pilot_resource_allocate(pilot=plan.pilot, amount=Decimal("23000"), actor=officer)
    return plan


@pytest.mark.parametrize("model", ["pilot", "projectplan", "resourceallocation", "event"])
def test_each_list_takes_the_same_queries_for_more_rows(
    officer_client, officer, strands, model, django_assert_num_queries
):
    _pilot_with_plan(officer, 0)
    services.event_save(title="Launch", kind="launch", held_on="2013-06-25", actor=officer)
    url = f"{ADMIN}{model}/"
    officer_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(url).status_code == 200
    for n in range(1, 4):
        plan = _pilot_with_plan(officer, n)
        services.event_save(
            title=f"Event {n}",
            kind="workshop",
            held_on="2013-05-01",
            councils=[plan.pilot.council],
            actor=officer,
        )
    with django_assert_num_queries(len(few)):
        officer_client.get(url)


def test_plans_filter_by_state_and_search_by_council(officer_client, officer, strands):
    _pilot_with_plan(officer, 1)
    second = _pilot_with_plan(officer, 2)
    services.plan_lga_sign_off(plan=second, actor=officer)
    page = officer_client.get(f"{ADMIN}projectplan/", {"q": "Pilotshire 1"}).content.decode()
    assert "Plan 1" in page and "Plan 2" not in page
    page = officer_client.get(f"{ADMIN}projectplan/", {"state__exact": "submitted"}).content
    assert b"Plan 1" in page and b"Plan 2" in page
    page = officer_client.get(f"{ADMIN}projectplan/", {"state__exact": "drafting"}).content
    assert b"Plan 1" not in page


def test_the_lga_sign_off_action_goes_through_the_service(officer_client, officer, strands):
    plan = _pilot_with_plan(officer, 1)
    response = officer_client.post(
        f"{ADMIN}projectplan/",
        {"action": "lga_sign_off_selected", "_selected_action": [plan.pk]},
        follow=True,
    )
    assert "Signed off by the LGA" in response.content.decode()
    plan.refresh_from_db()
    assert plan.lga_signed_off_by.username == "officer"


def test_the_sign_off_action_refuses_a_draft_with_the_reason(officer_client, council_a):
    plan = ProjectPlanFactory(pilot=PilotFactory(council=council_a), title="Drafting plan")
    response = officer_client.post(
        f"{ADMIN}projectplan/",
        {"action": "lga_sign_off_selected", "_selected_action": [plan.pk]},
        follow=True,
    )
    assert "has not sent yet" in response.content.decode()
    plan.refresh_from_db()
    assert plan.lga_signed_off_at is None


def test_the_cabinet_office_sign_off_page_records_it_with_an_allocation(
    officer_client, officer, strands
):
    plan = _pilot_with_plan(officer, 1)
    url = f"{ADMIN}projectplan/{plan.pk}/cabinet-office-sign-off/"
    response = officer_client.post(url, {"signatory": "A. Fictional", "allocation": "5,000"})
    assert "before the Cabinet Office" in response.content.decode()
    services.plan_lga_sign_off(plan=plan, actor=officer)
    response = officer_client.post(url, {"signatory": "", "allocation": ""})
    assert "Enter who signed off the plan for the Cabinet Office" in response.content.decode()
    response = officer_client.post(url, {"signatory": "A. Fictional", "allocation": "5,000"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.SIGNED_OFF
    amounts = ResourceAllocation.objects.filter(pilot=plan.pilot).values_list(
        "investment__amount", flat=True
    )
    assert sorted(amounts) == [Decimal("5000"), Decimal("23000")]


def test_an_allocation_added_in_the_admin_is_recorded_as_investment(
    officer_client, officer, strands, council_a
):
    pilot = PilotFactory(council=council_a)
    response = officer_client.post(
        f"{ADMIN}resourceallocation/add/",
        {"pilot": pilot.pk, "amount": "23,000", "financial_year": "2013/14"},
    )
    assert response.status_code == 302
    allocation = ResourceAllocation.objects.select_related("investment").get()
    assert allocation.investment.amount == Decimal("23000")
    assert allocation.allocated_by == officer


def test_a_pilot_and_an_event_added_in_the_admin(officer_client, council_a, council_b):
    response = officer_client.post(
        f"{ADMIN}pilot/add/", {"council": council_a.pk, "wave": "1", "partner_bodies": "Police"}
    )
    assert response.status_code == 302
    assert Pilot.objects.get().partner_list == ["Police"]
    response = officer_client.post(
        f"{ADMIN}event/add/",
        {
            "title": "Workshop",
            "kind": "workshop",
            "held_on": "2013-05-01",
            "month_only": "on",
            "councils": [council_a.pk, council_b.pk],
        },
    )
    assert response.status_code == 302
    assert Event.objects.get().councils.count() == 2


@pytest.mark.parametrize("persona", ["applicant_a_client", "board_client", "client"])
def test_only_officers_reach_the_ope_admin(request, persona, council_a):
    pilot = PilotFactory(council=council_a)
    client = request.getfixturevalue(persona)
    plan = ProjectPlanFactory(pilot=pilot)
    for url in (
        f"{ADMIN}pilot/",
        f"{ADMIN}pilot/{pilot.pk}/change/",
        f"{ADMIN}projectplan/",
        f"{ADMIN}projectplan/{plan.pk}/cabinet-office-sign-off/",
        f"{ADMIN}resourceallocation/",
        f"{ADMIN}event/",
        "/admin/experts/appointment/",
        "/admin/experts/casestudy/",
        "/admin/public/initiative/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_plan_page_in_the_admin_links_to_the_cabinet_office_sign_off(
    officer_client, officer, strands
):
    plan = _pilot_with_plan(officer, 1)
    page = officer_client.get(f"{ADMIN}projectplan/{plan.pk}/change/").content.decode()
    assert "LGA sign-off" in page
    services.plan_lga_sign_off(plan=plan, actor=officer)
    page = officer_client.get(f"{ADMIN}projectplan/{plan.pk}/change/").content.decode()
    assert f"{ADMIN}projectplan/{plan.pk}/cabinet-office-sign-off/" in page


def test_a_signed_off_plans_text_cannot_be_changed_in_the_admin(officer_client, officer, strands):
    plan = _pilot_with_plan(officer, 1)
    services.plan_lga_sign_off(plan=plan, actor=officer)
    response = officer_client.post(
        f"{ADMIN}projectplan/{plan.pk}/change/", {"title": "Rewritten", "summary": ""}, follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Plan 1"
