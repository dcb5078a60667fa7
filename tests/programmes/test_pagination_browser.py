"""Paginated council lists in headless Chromium: no WCAG 2.2 A/AA violations,
and the pagination's links, named for a screen reader, move between pages."""

import pytest
from django.urls import reverse

from programmes.pagination import PER_PAGE
from programmes.roles import APPLICANT, BOARD_MEMBER
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import ApplicationFactory, CallFactory, CouncilFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_council_lists_pages_are_accessible_and_link_to_each_other(live_server, page):
    council = CouncilFactory(name="Pagination Borough Council")
    ApplicationFactory.create_batch(2 * PER_PAGE + 1, lead_council=council, call=CallFactory())
    UserFactory(username="pages-applicant", council=council, role=APPLICANT)
    UserFactory(username="pages-board", role=BOARD_MEMBER)

    sign_in(page, live_server.url, "pages-applicant", PASSWORD)
    page.goto(live_server.url + reverse("applications:bid_list"))
    assert accessibility_violations(page) == [], "/bids/"
    pages = page.get_by_role("navigation", name="Pages of bids")
    pages.get_by_role("link", name="Page 3").click()
    page.wait_for_url("**/bids/?page=3")
    assert page.title().startswith("Your council's bids (page 3 of 3)")
    assert pages.get_by_role("link", name="Page 3").get_attribute("aria-current") == "page"
    assert accessibility_violations(page) == [], "/bids/?page=3"
    pages.get_by_role("link", name="Previous page").click()
    page.wait_for_url("**/bids/?page=2")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "pages-board", PASSWORD)
    page.goto(live_server.url + reverse("board:council", args=[council.pk]))
    page.get_by_role("navigation", name="Pages of bids").get_by_role(
        "link", name="Next page"
    ).click()
    page.wait_for_url("**/?page=2#bids")
    assert page.title().startswith("Pagination Borough Council (page 2 of 3)")
    assert accessibility_violations(page) == [], "board council page 2"
