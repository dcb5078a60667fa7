"""The officer workflow's pages (applications/admin_views.py): the assessment
page's forms post where they act, whichever of its URLs shows it."""

from __future__ import annotations

import re

import pytest

from applications import services
from applications.models import Application
from programmes.roles import OFFICER
from tests.applications.bids import bid_in_assessment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(experts_call, council_a, applicant_a, officer) -> Application:
    """A bid in assessment led by `officer`, with Ash as its assessor, who
    has scored it (so moderation is open)."""
    ash = UserFactory(username="ash", is_staff=True, role=OFFICER)
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    bid = services.assessors_assign(
        application=bid, actor=officer, assessors=[ash], lead_officer=officer
    )
    review = bid.reviews.get()
    services.conflict_declare(review=review, actor=ash, conflict=False)
    criteria = [key for key, _ in experts_call.strand.spec.assessment_criteria]
    services.review_save(
        review=review,
        actor=ash,
        scores=dict.fromkeys(criteria, 3),
        recommendation="fund",
        submit=True,
    )
    return bid


def _moderation_form(page: str) -> str:
    section = page.split('id="moderation"', 1)[1]
    return re.search(r"<form [^>]*>", section).group(0)


@pytest.mark.parametrize("url", ["change", "assign", "declare", "score", "answer-read"])
def test_the_moderation_form_posts_to_the_change_page_from_every_url_that_shows_it(
    officer_client, assessed, url
):
    change = f"/admin/applications/application/{assessed.pk}/change/"
    page = officer_client.get(f"/admin/applications/application/{assessed.pk}/{url}/")
    assert f'action="{change}"' in _moderation_form(page.content.decode())


def test_saving_moderated_scores_on_the_assignment_page_keeps_the_assessors(
    officer_client, assessed
):
    change = f"/admin/applications/application/{assessed.pk}/change/"
    assign = f"/admin/applications/application/{assessed.pk}/assign/"
    page = officer_client.get(assign)
    # Where a browser sends it: the form's action, or the page's own URL.
    found = re.search(r'action="([^"]*)"', _moderation_form(page.content.decode()))
    action = found.group(1) if found else assign
    response = officer_client.post(
        action,
        {"score_deliverability": "4", "recommendation": "fund", "notes": "", "reason": "Agreed"},
    )
    assert response.status_code == 302 and response["Location"] == change
    assert assessed.reviews.count() == 1
    assert assessed.scores.get(criterion="deliverability").score == 4
