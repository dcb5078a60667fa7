"""Officers make appointments and publish case studies in the admin, through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import services as bids
from programmes.experts import services
from programmes.experts.models import Appointment, CaseStudy, CaseStudyState
from tests.applications.bids import bid_in_assessment
from tests.factories import CaseStudyFactory, CouncilFactory

pytestmark = pytest.mark.django_db
ADMIN = "/admin/experts/"


def approved_bid(call, officer, n: int):
    council = CouncilFactory(name=f"Expertshire Council {n}", short_name=f"Expertshire {n}")
    from tests.factories import UserFactory

    applicant = UserFactory(council=council, role="Council applicant")
    bid = bid_in_assessment(call, council, applicant, officer)
    return bids.application_approve(application=bid, actor=officer, award_amount=Decimal("5000"))


def test_an_appointment_is_made_from_an_approved_bid(officer_client, officer, experts_call):
    bid = approved_bid(experts_call, officer, 1)
    form = officer_client.get(f"{ADMIN}appointment/add/").content.decode()
    assert bid.reference in form
    response = officer_client.post(
        f"{ADMIN}appointment/add/",
        {"application": bid.pk, "starts_on": "2013-07-01", "ends_on": "2013-06-01"},
    )
    assert "same as or after the start" in response.content.decode()
    response = officer_client.post(
        f"{ADMIN}appointment/add/", {"application": bid.pk, "starts_on": "2013-07-01"}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.created_by == officer
    assert [c.pk for c in appointment.councils.all()] == [bid.lead_council_id]


@pytest.mark.parametrize("model", ["appointment", "casestudy"])
def test_lists_take_the_same_queries_for_more_rows(
    officer_client, officer, experts_call, model, django_assert_num_queries
):
    def add(n: int) -> None:
        bid = approved_bid(experts_call, officer, n)
        appointment = services.appointment_create(
            application=bid, starts_on=date(2013, 7, 1), actor=officer
        )
        study = CaseStudyFactory(council=bid.lead_council, appointment=appointment)
        services.case_study_publish(case_study=study, actor=officer)

    add(0)
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(f"{ADMIN}{model}/").status_code == 200
    for n in range(1, 4):
        add(n)
    with django_assert_num_queries(len(few)):
        officer_client.get(f"{ADMIN}{model}/")


def test_case_studies_filter_by_state_and_search(officer_client, officer):
    services.case_study_publish(case_study=CaseStudyFactory(title="Out there"), actor=officer)
    CaseStudyFactory(title="Still a draft")
    page = officer_client.get(f"{ADMIN}casestudy/", {"state__exact": "draft"}).content.decode()
    assert "Still a draft" in page and "Out there" not in page
    page = officer_client.get(f"{ADMIN}casestudy/", {"q": "Out there"}).content.decode()
    assert "Out there" in page and "Still a draft" not in page


def test_a_case_study_is_drafted_then_published_by_the_action(officer_client, officer, council_a):
    response = officer_client.post(
        f"{ADMIN}casestudy/add/",
        {
            "title": "Allerdale contracts",
            "slug": "allerdale-contracts",
            "council": council_a.pk,
            "summary": "Saved money.",
            "body": "Text.",
        },
    )
    assert response.status_code == 302
    study = CaseStudy.objects.get()
    assert study.state == CaseStudyState.DRAFT
    officer_client.post(
        f"{ADMIN}casestudy/", {"action": "publish_selected", "_selected_action": [study.pk]}
    )
    study.refresh_from_db()
    assert study.state == CaseStudyState.PUBLISHED
    assert study.published_by == officer
