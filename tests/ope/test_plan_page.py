"""A pilot council's users see their own plan and its status; nobody else's (404)."""

from decimal import Decimal

import pytest

from programmes.ope import services
from programmes.permissions import SYSTEM
from tests.factories import PilotFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot(council_a, officer, strands):
    pilot = PilotFactory(council=council_a, partner_bodies="Fire and rescue service\nNHS trust")
    plan = ProjectPlanFactory(pilot=pilot, title="Allerdale estate plan")
    services.plan_submit(plan=plan, actor=SYSTEM)
    services.plan_lga_sign_off(plan=plan, actor=officer)
    services.pilot_resource_allocate(
        pilot=pilot, amount=Decimal("23000"), financial_year="2013/14", actor=officer
    )
    return pilot


def url(pilot) -> str:
    return f"/ope/pilots/{pilot.pk}/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("applicant_a_client", 200),
        ("applicant_b_client", 404),
        ("officer_client", 200),
        ("board_client", 403),
        ("client", 302),
    ],
)
def test_who_may_see_a_pilots_plan(request, pilot, persona, status):
    response = request.getfixturevalue(persona).get(url(pilot))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("applicant_a_client", 302),
        ("applicant_b_client", 404),
        ("officer_client", 403),
        ("board_client", 403),
        ("client", 302),
    ],
)
def test_who_may_use_the_your_plan_address(request, pilot, persona, status):
    response = request.getfixturevalue(persona).get("/ope/plan/")
    assert response.status_code == status
    if persona == "applicant_a_client":
        assert response["Location"] == url(pilot)


def test_the_council_sees_its_plans_status_and_whose_sign_off_it_awaits(
    applicant_a_client, pilot, officer
):
    page = applicant_a_client.get(url(pilot)).content.decode()
    assert "Allerdale estate plan" in page
    assert "Awaiting sign-off" in page
    assert "Waiting for: Cabinet Office sign-off" in page
    assert f"by {officer.display_name}" in page
    assert "£23,000.00" in page
    assert "NHS trust" in page


def test_the_plan_page_takes_the_same_queries_with_more_allocations(
    applicant_a_client, pilot, officer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        applicant_a_client.get(url(pilot))
    for _ in range(3):
        services.pilot_resource_allocate(pilot=pilot, amount=Decimal("100"), actor=officer)
    with django_assert_max_num_queries(len(few)):
        applicant_a_client.get(url(pilot))


def test_a_pilot_councils_applicants_have_their_plan_in_the_navigation(
    pilot, applicant_a_client, applicant_b, client
):
    page = applicant_a_client.get("/bids/").content.decode()
    assert 'href="/ope/plan/"' in page
    assert "Your One Public Estate plan" in page
    client.force_login(applicant_b)
    assert "Your One Public Estate plan" not in client.get("/bids/").content.decode()
