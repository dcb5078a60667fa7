"""In headless Chromium: an assessor declares no conflict and scores a bid from
the admin home's queue; the lead sees the scores, moderates them and approves."""

import pytest

from applications import services
from applications.models import Application, ApplicationState
from programmes.roles import OFFICER
from tests.applications.bids import bid_in_assessment
from tests.browser import sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_assessor_scores_and_the_lead_moderates_and_approves(
    live_server, page, experts_call, council_a, applicant_a, officer
):
    base = live_server.url
    assessor = UserFactory(username="assessor", first_name="Asa", is_staff=True, role=OFFICER)
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.assessors_assign(
        application=bid, actor=officer, assessors=[assessor], lead_officer=officer
    )
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, base, "assessor", PASSWORD)
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Bids assigned to me to score").click()
    page.get_by_role("link", name=bid.reference).click()
    # The answers and the scoring sit side by side at 1280 px.
    answers = page.get_by_role("heading", name="The council's answers").bounding_box()
    scoring = page.get_by_role("heading", name="Assessment", exact=True).bounding_box()
    assert answers and scoring and scoring["x"] > answers["x"] + 300
    assert abs(scoring["y"] - answers["y"]) < 5
    page.get_by_label("No conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.get_by_label("Savings potential", exact=True).select_option("5")
    page.get_by_label("Deliverability", exact=True).select_option("4")
    page.get_by_label("Value for money", exact=True).select_option("4")
    page.get_by_label("Transferability to other councils", exact=True).select_option("na")
    page.get_by_label("Note on deliverability").fill("Named negotiator, dates agreed")
    page.get_by_label("Recommendation").select_option("fund")
    page.get_by_role("button", name="Submit my scores").click()
    page.get_by_text("Your scores are submitted").wait_for()

    page.context.clear_cookies()
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Bids I lead awaiting moderation").click()
    page.get_by_role("link", name=bid.reference).click()
    assert "Named negotiator, dates agreed" in page.locator("#spread").inner_text()
    moderation = page.locator("#moderation")
    moderation.get_by_label("Savings potential").select_option("4")
    moderation.get_by_label("Deliverability").select_option("4")
    moderation.get_by_label("Value for money").select_option("4")
    moderation.get_by_label("Transferability to other councils").select_option("na")
    moderation.get_by_label("Recommendation:", exact=True).select_option("fund")
    moderation.get_by_label("Reason for the moderated scores").fill("Savings potential is 4")
    moderation.get_by_role("button", name="Save moderated scores").click()
    page.get_by_text("Moderated scores saved").wait_for()
    page.get_by_role("link", name="Approve with an award").click()
    page.get_by_label("Award (£)").fill("8000")
    page.get_by_role("button", name="Approve with an award").click()
    page.get_by_text("approved").first.wait_for()

    bid = Application.objects.get(pk=bid.pk)
    assert bid.state == ApplicationState.APPROVED
    assert str(bid.mean_score) == "4.0"
