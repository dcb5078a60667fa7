"""Officers assess bids in the admin: list, filters, search, scores, decisions, bulk actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationState, Score
from savings.models import Investment
from tests.applications.bids import bid_completed, bid_in_assessment, bid_submitted

pytestmark = pytest.mark.django_db
LIST = "/admin/applications/application/"


def test_the_bid_list_shows_state_amount_and_mean_score(
    officer_client, experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.assessment_save(
        application=application,
        actor=officer,
        scores={"savings_potential": 5, "deliverability": 3, "transferability": None},
    )
    page = officer_client.get(LIST).content.decode()
    assert application.reference in page
    assert "In assessment" in page
    assert "£8,000.00" in page
    assert "4.0" in page


def test_the_bid_list_takes_the_same_queries_for_more_rows(
    officer_client,
    experts_call,
    council_a,
    council_b,
    applicant_a,
    applicant_b,
    officer,
    django_assert_num_queries,
):
    bid_in_assessment(experts_call, council_a, applicant_a, officer)
    officer_client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        officer_client.get(LIST)
    for _ in range(4):
        application = bid_in_assessment(experts_call, council_b, applicant_b, officer)
        services.assessment_save(
            application=application, actor=officer, scores={"deliverability": 2}
        )
    with django_assert_num_queries(len(few)):
        officer_client.get(LIST)


def test_search_by_reference_and_filter_by_state(
    officer_client, experts_call, council_a, council_b, applicant_a, applicant_b
):
    mine = bid_submitted(experts_call, council_a, applicant_a)
    theirs = bid_completed(experts_call, council_b, applicant_b)
    page = officer_client.get(LIST, {"q": mine.reference}).content.decode()
    assert mine.reference in page and theirs.reference not in page
    page = officer_client.get(LIST, {"state__exact": "draft"}).content.decode()
    assert theirs.reference in page and mine.reference not in page
    page = officer_client.get(LIST, {"q": "Wyre"}).content.decode()
    assert theirs.reference in page and mine.reference not in page


def test_bids_cannot_be_deleted_from_the_admin(
    officer_client, experts_call, council_a, applicant_a
):
    application = bid_submitted(experts_call, council_a, applicant_a)
    page = officer_client.get(LIST).content.decode()
    assert "delete_selected" not in page
    response = officer_client.post(
        LIST, {"action": "delete_selected", "_selected_action": [application.pk]}
    )
    assert Application.objects.filter(pk=application.pk).exists()
    assert officer_client.get(f"{LIST}{application.pk}/delete/").status_code == 403
    assert response.status_code in (200, 302)


def test_the_assessment_page_saves_scores_through_the_service(
    officer_client, experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    url = f"{LIST}{application.pk}/change/"
    page = officer_client.get(url).content.decode()
    assert "Transferability to other councils" in page
    assert "Contract negotiation" in page  # the council's answers are shown
    response = officer_client.post(
        url,
        {
            "score_savings_potential": "4",
            "score_deliverability": "na",
            "score_value_for_money": "2",
            "score_transferability": "",
            "recommendation": "fund_with_conditions",
            "notes": "Check the contracts list",
        },
    )
    assert response.status_code == 302
    scores = dict(Score.objects.filter(application=application).values_list("criterion", "score"))
    assert scores == {"savings_potential": 4, "deliverability": None, "value_for_money": 2}
    application.refresh_from_db()
    assert application.recommendation == "fund_with_conditions"
    page = officer_client.get(url).content.decode()
    assert "3.0" in page  # (4 + 2) / 2: not applicable left out
    assert "Assessment updated" in page


def test_the_officer_requests_information_approves_and_declines_through_pages(
    officer_client, experts_call, council_a, applicant_a, officer
):
    application = bid_submitted(experts_call, council_a, applicant_a)
    officer_client.post(f"{LIST}{application.pk}/start/")
    application.refresh_from_db()
    assert application.state == ApplicationState.IN_ASSESSMENT

    response = officer_client.post(f"{LIST}{application.pk}/request-information/", {"message": ""})
    assert "Enter the information you need" in response.content.decode()

    response = officer_client.post(f"{LIST}{application.pk}/approve/", {"award_amount": "12000"})
    assert "the most this call awards" in response.content.decode()
    response = officer_client.post(f"{LIST}{application.pk}/approve/", {"award_amount": "7000"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert application.award_amount == Decimal("7000")
    assert Investment.objects.get(application=application).amount == Decimal("7000")


def test_bulk_approve_and_decline_go_through_the_services(
    officer_client, experts_call, council_a, council_b, applicant_a, applicant_b, officer
):
    ready = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    draft = bid_completed(experts_call, council_b, applicant_b)
    response = officer_client.post(
        LIST,
        {"action": "approve_as_requested", "_selected_action": [ready.pk, draft.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert f"Approved: {ready.reference}" in page
    assert f"You cannot approve {draft.reference}" in page
    ready.refresh_from_db()
    draft.refresh_from_db()
    assert ready.state == ApplicationState.APPROVED and ready.award_amount == Decimal("8000")
    assert draft.state == ApplicationState.DRAFT
    assert Investment.objects.count() == 1

    other = bid_in_assessment(experts_call, council_b, applicant_b, officer)
    response = officer_client.post(
        LIST,
        {"action": "decline_selected", "_selected_action": [other.pk], "note": ""},
        follow=True,
    )
    assert "Enter the reasons the bid is declined" in response.content.decode()
    officer_client.post(
        LIST,
        {"action": "decline_selected", "_selected_action": [other.pk], "note": "Over budget"},
    )
    other.refresh_from_db()
    assert other.state == ApplicationState.DECLINED
    assert other.events.last().note == "Over budget"


def test_board_members_cannot_reach_the_assessment_admin(client, board_member, experts_call):
    client.force_login(board_member)
    response = client.get(LIST)
    assert response.status_code == 302  # the admin sends non-staff to its sign-in


def test_the_officer_sets_the_date_the_council_must_answer_by(
    officer_client, experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    url = f"{LIST}{application.pk}/request-information/"
    assert 'type="date"' in officer_client.get(url).content.decode()
    for bad, error in (
        ("2013-02-30", "Enter the date as day, month and year"),
        ("yesterday", "Enter the date as day, month and year"),
        ("2000-01-01", "must be in the future"),
    ):
        response = officer_client.post(url, {"message": "Partners?", "respond_by": bad})
        assert error in response.content.decode(), bad
        application.refresh_from_db()
        assert application.state == ApplicationState.IN_ASSESSMENT
    due = timezone.localdate() + timedelta(days=21)
    response = officer_client.post(url, {"message": "Partners?", "respond_by": due.isoformat()})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.MORE_INFORMATION
    assert application.information_due_on == due
