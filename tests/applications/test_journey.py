"""The council journey through the test client: start, questions, save and come
back, stale edits, check answers, declaration, confirmation, answering, withdrawing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationState
from tests.applications.bids import bid_completed, bid_more_information, projections
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

QUERIES_ABOUT = 10
QUERIES_EXPERTISE = 16


def start(client, call) -> Application:
    response = client.post(f"/bids/calls/{call.pk}/start/")
    assert response.status_code == 302
    return Application.objects.latest("pk")


def test_the_list_shows_open_calls_and_the_councils_bids(
    applicant_a_client,
    experts_call,
    council_a,
    council_b,
    applicant_a,
    applicant_b,
    django_assert_max_num_queries,
):
    mine = bid_completed(experts_call, council_a, applicant_a)
    theirs = bid_completed(experts_call, council_b, applicant_b)
    response = applicant_a_client.get("/bids/")
    page = response.content.decode()
    assert experts_call.title in page
    assert mine.reference in page
    assert theirs.reference not in page
    assert "Not sent yet" in page


def test_the_list_takes_the_same_queries_for_many_bids(
    applicant_a_client, experts_call, council_a, applicant_a, django_assert_num_queries
):
    services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    applicant_a_client.get("/bids/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        applicant_a_client.get("/bids/")
    for _ in range(5):
        services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    with django_assert_num_queries(len(one)):
        applicant_a_client.get("/bids/")


def test_starting_on_a_closed_call_names_the_closing_date(applicant_a_client, applicant_a):
    closed = CallFactory(
        opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1)
    )
    page = applicant_a_client.get(f"/bids/calls/{closed.pk}/start/").content.decode()
    assert f"closed at {closed.closing_text()}" in page
    assert "Start a bid" not in page
    response = applicant_a_client.post(f"/bids/calls/{closed.pk}/start/")
    assert response.status_code == 400
    assert f"closed at {closed.closing_text()}" in response.content.decode()
    assert not Application.objects.exists()


def test_save_and_come_back_later_keeps_partial_answers(applicant_a_client, experts_call):
    application = start(applicant_a_client, experts_call)
    url = f"/bids/{application.reference}/questions/about/"
    response = applicant_a_client.post(
        url, {"title": "Half done", "summary": "", "version": application.version, "later": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == "/bids/"
    application.refresh_from_db()
    assert application.title == "Half done"
    page = applicant_a_client.get(url).content.decode()
    assert 'value="Half done"' in page


def test_save_and_continue_asks_for_missing_answers(applicant_a_client, experts_call):
    application = start(applicant_a_client, experts_call)
    response = applicant_a_client.post(
        f"/bids/{application.reference}/questions/about/",
        {"title": "Only a title", "summary": "", "version": application.version, "continue": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a summary of the bid" in page
    assert page.count('value="Only a title"') == 1
    application.refresh_from_db()
    assert application.title == ""


def test_a_stale_edit_is_reported_and_the_input_kept(client, experts_call, council_a, applicant_a):
    colleague = applicant_a.__class__.objects.create_user(
        username="colleague", council=council_a, email="c@example.org"
    )
    colleague.groups.add(*applicant_a.groups.all())
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    opened_version = application.version
    services.application_section_save(
        application=application,
        actor=colleague,
        section="about",
        answers={"title": "Colleague's title", "summary": "Theirs"},
        version=opened_version,
    )
    client.force_login(applicant_a)
    response = client.post(
        f"/bids/{application.reference}/questions/about/",
        {"title": "My title", "summary": "Mine", "version": opened_version, "continue": ""},
    )
    page = response.content.decode()
    assert "after you opened this page" in page
    assert 'value="My title"' in page  # their input is kept on the page
    assert "Colleague&#x27;s title" in page  # and they see what is saved now
    application.refresh_from_db()
    assert application.title == "Colleague's title"
    # Saving again with the version now on the page goes through.
    new_version = application.version
    client.post(
        f"/bids/{application.reference}/questions/about/",
        {"title": "My title", "summary": "Mine", "version": new_version, "continue": ""},
    )
    application.refresh_from_db()
    assert application.title == "My title"


def test_the_whole_journey_to_the_confirmation(applicant_a_client, experts_call):
    client = applicant_a_client
    application = start(client, experts_call)
    ref = application.reference
    task_list = client.get(f"/bids/{ref}/").content.decode()
    assert "Not yet started" in task_list
    assert "Cannot start yet" in task_list

    def answer(slug, data):
        application.refresh_from_db()
        response = client.post(
            f"/bids/{ref}/questions/{slug}/",
            {**data, "version": application.version, "continue": ""},
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        return response["Location"]

    assert answer("about", {"title": "Contracts", "summary": "A negotiator"}).endswith(
        "/questions/councils/"
    )
    answer("councils", {})
    answer("funding", {"amount_requested": "£8,000"})
    answer("expertise", {"expertise_field": "Negotiation", "expert_role": "Renegotiate"})
    last = answer(
        "savings",
        {"savings_target": "1000000", **{k: "500000" for k in projections(experts_call, 1)}},
    )
    assert last == f"/bids/{ref}/"
    check = client.get(f"/bids/{ref}/check-your-answers/").content.decode()
    assert "£8,000.00" in check
    assert f"/bids/{ref}/questions/funding/?return=check" in check
    # A change from the check page returns to it.
    application.refresh_from_db()
    response = client.post(
        f"/bids/{ref}/questions/funding/?return=check",
        {"amount_requested": "9000", "version": application.version, "continue": ""},
    )
    assert response["Location"] == f"/bids/{ref}/check-your-answers/"

    response = client.post(f"/bids/{ref}/declaration/", {})
    assert "Confirm the declaration to send your bid" in response.content.decode()
    response = client.post(f"/bids/{ref}/declaration/", {"confirm": "on"})
    assert response["Location"] == f"/bids/{ref}/confirmation/"
    confirmation = client.get(response["Location"]).content.decode()
    assert ref in confirmation
    assert "What happens next" in confirmation
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_amount_above_the_call_limit_is_refused_on_the_page(applicant_a_client, experts_call):
    application = start(applicant_a_client, experts_call)
    response = applicant_a_client.post(
        f"/bids/{application.reference}/questions/funding/",
        {"amount_requested": "10001", "version": application.version, "continue": ""},
    )
    assert "Enter an amount of £10,000 or less" in response.content.decode()


def test_growth_days_must_be_1_to_14(applicant_a_client, growth_call):
    application = start(applicant_a_client, growth_call)
    response = applicant_a_client.post(
        f"/bids/{application.reference}/questions/funding/",
        {"days_requested": "15", "version": application.version, "continue": ""},
    )
    assert "Enter a number of days from 1 to 14" in response.content.decode()


def test_growth_support_areas_need_at_least_one(applicant_a_client, growth_call):
    application = start(applicant_a_client, growth_call)
    url = f"/bids/{application.reference}/questions/support-areas/"
    response = applicant_a_client.post(url, {"version": application.version, "continue": ""})
    assert "Select at least one area of support" in response.content.decode()
    applicant_a_client.post(
        url,
        {
            "support_areas": ["support_strategy", "support_regeneration"],
            "version": application.version,
            "continue": "",
        },
    )
    detail = Application.objects.get(pk=application.pk).growth_detail
    assert detail.support_areas == ["Strategy", "Regeneration and housing"]


def test_the_council_answers_a_request_for_more_information(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    application = bid_more_information(experts_call, council_a, applicant_a, officer)
    page = applicant_a_client.get(f"/bids/{application.reference}/respond/").content.decode()
    assert "Which contracts?" in page
    response = applicant_a_client.post(
        f"/bids/{application.reference}/respond/", {"note": "The four largest"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.IN_ASSESSMENT


def test_withdrawing_asks_for_confirmation_first(
    applicant_a_client, experts_call, council_a, applicant_a
):
    application = bid_completed(experts_call, council_a, applicant_a)
    page = applicant_a_client.get(f"/bids/{application.reference}/withdraw/").content.decode()
    assert "Are you sure you want to withdraw this bid?" in page
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    applicant_a_client.post(f"/bids/{application.reference}/withdraw/", {"note": ""})
    application.refresh_from_db()
    assert application.state == ApplicationState.WITHDRAWN


def test_applicants_see_only_the_applicant_facing_timeline(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    application = bid_more_information(experts_call, council_a, applicant_a, officer)
    services.assessment_save(
        application=application, actor=officer, scores={}, notes="Internal view: weak"
    )
    page = applicant_a_client.get(f"/bids/{application.reference}/").content.decode()
    assert "We need more information" in page
    assert "Which contracts?" in page
    assert "Assessment updated" not in page
    assert "Internal view" not in page


def test_saving_an_answer_checks_only_what_it_changes(
    applicant_a_client, experts_call, django_assert_num_queries
):
    """A question page's save reads the bid without its documents, events
    and partners, and checks only the constraints and unique fields of what
    it changed (issue 26): 10 queries for the bid's own answers, 16 for the
    strand's (29 and 38 before: a query for each foreign key, constraint and
    unique field of the bid and its strand's row, changed or not)."""
    application = start(applicant_a_client, experts_call)
    ref, version = application.reference, application.version
    applicant_a_client.get(f"/bids/{ref}/")
    with django_assert_num_queries(QUERIES_ABOUT):
        response = applicant_a_client.post(
            f"/bids/{ref}/questions/about/",
            {"title": "Contracts", "summary": "A negotiator", "version": version, "continue": ""},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    with django_assert_num_queries(QUERIES_EXPERTISE):
        response = applicant_a_client.post(
            f"/bids/{ref}/questions/expertise/",
            {
                "expertise_field": "Negotiation",
                "expert_role": "Renegotiate",
                "version": version + 1,
                "continue": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert (application.title, application.version) == ("Contracts", version + 2)
    assert application.strand_detail().expertise_field == "Negotiation"
