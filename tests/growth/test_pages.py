"""Adviser support pages: who sees what (role x URL), and the officer's forms."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from programmes.growth.models import AdviserDay, AdviserMatch
from programmes.growth.services import adviser_days_log, adviser_match
from tests.growth.awards import growth_award, panel

pytestmark = pytest.mark.django_db

PAGES = ("growth:adviser_support", "growth:adviser_choose", "growth:days_log")

# persona -> expected status for each page, in PAGES order
MATRIX = {
    "applicant_a": (200, 403, 403),
    "applicant_b": (404, 403, 403),
    "officer": (200, 200, 200),
    "officer_by_group": (200, 200, 200),
    "board_member": (403, 403, 403),
    "board_by_group": (403, 403, 403),
    "anonymous": (302, 302, 302),
}


@pytest.fixture
def award(growth_call, council_a, applicant_a, officer):
    bid = growth_award(growth_call, council_a, applicant_a, officer, days=10)
    adviser_match(application=bid, adviser=panel()["covers"], actor=officer)
    adviser_days_log(
        application=bid, worked_on=date(2013, 9, 20), days=Decimal("2.5"), actor=officer
    )
    return bid


@pytest.mark.parametrize("persona", MATRIX)
def test_role_by_url_matrix(client, request, award, persona, applicant_b, board_member):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    for page, expected in zip(PAGES, MATRIX[persona], strict=True):
        response = client.get(reverse(page, args=[award.reference]))
        assert response.status_code == expected, (persona, page)
        if expected == 302:
            assert response["Location"].startswith(reverse("login"))


def test_the_council_sees_days_used_and_left(applicant_a_client, award):
    response = applicant_a_client.get(reverse("growth:adviser_support", args=[award.reference]))
    page = response.content.decode()
    assert "Casey Covers" in page
    assert '<dd class="govuk-summary-list__value" id="days-used">2.5</dd>' in page
    assert '<dd class="govuk-summary-list__value" id="days-left">7.5</dd>' in page
    assert "Log adviser days" not in page


def test_a_bid_not_yet_approved_has_no_support_page(
    officer_client, growth_call, council_a, applicant_a, officer
):
    from tests.applications.bids import bid_in_assessment

    bid = bid_in_assessment(growth_call, council_a, applicant_a, officer)
    response = officer_client.get(reverse("growth:adviser_support", args=[bid.reference]))
    assert response.status_code == 404


def test_an_officer_logs_days(officer_client, award):
    response = officer_client.post(
        reverse("growth:days_log", args=[award.reference]),
        {"worked_on": "14/10/2013", "days": "3", "description": "LEP workshop"},
    )
    assert response.status_code == 302
    assert AdviserDay.objects.filter(application=award).count() == 2


def test_days_above_the_award_show_an_error_and_keep_what_was_saved(officer_client, award):
    response = officer_client.post(
        reverse("growth:days_log", args=[award.reference]),
        {"worked_on": "14/10/2013", "days": "8", "description": "Too many"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "Only 7.5 days left of the 10 awarded: 2.5 days already logged" in page
    assert "<title>Error: " in page
    assert AdviserDay.objects.filter(application=award).count() == 1


def test_a_date_outside_the_window_is_a_field_error(officer_client, award):
    response = officer_client.post(
        reverse("growth:days_log", args=[award.reference]),
        {"worked_on": "01/03/2014", "days": "1"},
    )
    assert response.status_code == 400
    assert "when the support window closes" in response.content.decode()


def test_the_match_page_suggests_advisers_covering_the_areas(officer_client, award):
    response = officer_client.get(reverse("growth:adviser_choose", args=[award.reference]))
    page = response.content.decode()
    assert "Casey Covers (suggested)" in page
    assert "Pat Partial (suggested)" not in page
    assert page.index("Casey Covers") < page.index("Pat Partial")


def test_an_officer_changes_the_adviser(officer_client, award):
    other = panel()["partial"]
    response = officer_client.post(
        reverse("growth:adviser_choose", args=[award.reference]), {"adviser": other.pk}
    )
    assert response.status_code == 302
    assert AdviserMatch.objects.get(application=award).adviser == other
    # Days already logged stay with the adviser who worked them.
    assert AdviserDay.objects.get(application=award).adviser.name == "Casey Covers"


def test_no_adviser_chosen_is_an_error(officer_client, award):
    response = officer_client.post(reverse("growth:adviser_choose", args=[award.reference]), {})
    assert response.status_code == 400
    assert "Select an adviser" in response.content.decode()


def test_the_councils_bid_page_links_to_its_adviser_support(applicant_a_client, award):
    page = applicant_a_client.get(
        reverse("applications:bid_detail", args=[award.reference])
    ).content.decode()
    assert reverse("growth:adviser_support", args=[award.reference]) in page
    assert "See your adviser and the days used and left" in page
