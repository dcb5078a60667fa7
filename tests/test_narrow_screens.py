"""The portal on a 375 px phone screen, in headless Chromium: no page scrolls
sideways, the council's next action is on screen, chart text stays readable and
axe-core finds no WCAG 2.2 A/AA violation. Wide tables scroll inside a named,
focusable region of their own instead."""

import pytest
from django.urls import reverse

from applications.models import Application
from programmes.models import Council
from programmes.roles import APPLICANT, BOARD_MEMBER
from savings.models import Investment
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# Below this a chart's labels are too small to read on a phone.
SMALLEST_READABLE_PX = 12

# The smallest text on screen in each visible chart drawing: each text's
# computed font size times the factor the SVG is scaled by to fit its column.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('.pp-chart__drawing svg')]
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .map((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')]
      .filter((text) => text.textContent.trim() && text.getBoundingClientRect().width > 0)
      .map((text) => parseFloat(getComputedStyle(text).fontSize) * scale);
    return Math.min(...sizes);
  })"""


@pytest.fixture
def page(page):
    page.set_viewport_size(PHONE)
    return page


def open_and_check(page, url: str) -> None:
    """Load the page with every "Show the data" open; it fits and axe passes."""
    page.goto(url)
    for summary in page.locator("summary").all():
        summary.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], url
    assert accessibility_violations(page) == [], url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_council_reads_its_bids_questions_and_savings_on_a_phone(
    live_server, page, demo_committed
):
    # Wyre Forest has a draft on this year's Experts round; Allerdale (abolished
    # in 2023) has the 2013 awards with savings returns.
    wyre_forest = Council.objects.get(short_name="Wyre Forest")
    allerdale = Council.objects.get(short_name="Allerdale")
    UserFactory(username="phone-applicant", council=wyre_forest, role=APPLICANT)
    UserFactory(username="phone-returns", council=allerdale, role=APPLICANT)
    draft = Application.objects.get(lead_council=wyre_forest, state="draft")
    award = Investment.objects.filter(council=allerdale, application__isnull=False).first()
    sign_in(page, live_server.url, "phone-applicant", PASSWORD)

    open_and_check(page, live_server.url + reverse("applications:bid_list"))
    next_action = page.get_by_role("link", name="Continue your bid").bounding_box()
    assert next_action["x"] >= 0
    assert next_action["x"] + next_action["width"] <= PHONE["width"]
    for slug in ["about", "savings"]:
        open_and_check(
            page, live_server.url + reverse("applications:question", args=[draft.reference, slug])
        )

    page.context.clear_cookies()
    sign_in(page, live_server.url, "phone-returns", PASSWORD)
    for path in [reverse("savings:award_list"), reverse("savings:award_detail", args=[award.pk])]:
        open_and_check(page, live_server.url + path)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_board_member_reads_the_dashboards_and_their_charts_on_a_phone(
    live_server, page, demo_committed
):
    UserFactory(username="phone-board", role=BOARD_MEMBER)
    allerdale = Council.objects.get(short_name="Allerdale")
    sign_in(page, live_server.url, "phone-board", PASSWORD)

    for path in [
        reverse("board:overview"),
        reverse("board:council", args=[allerdale.pk]),
        reverse("board:strand", args=["asce"]),
    ]:
        open_and_check(page, live_server.url + path)
        sizes = page.evaluate(CHART_TEXT_SIZES)
        assert sizes, path
        assert all(size >= SMALLEST_READABLE_PX for size in sizes), (path, sizes)

    # A wide table scrolls inside its region, which keyboard users can reach.
    page.goto(live_server.url + reverse("board:overview"))
    region = page.get_by_role("region", name="Bids by strand and state")
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")
    region.focus()
    assert region.evaluate("(el) => el === document.activeElement")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desktop_board_overview_draws_one_wide_chart(live_server, page, demo_committed):
    UserFactory(username="desk-board", role=BOARD_MEMBER)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "desk-board", PASSWORD)

    open_and_check(page, live_server.url + reverse("board:overview"))
    drawings = page.locator(".pp-chart__drawing svg:visible")
    assert drawings.count() == 1
    assert drawings.first.bounding_box()["width"] == 760
    assert all(size >= SMALLEST_READABLE_PX for size in page.evaluate(CHART_TEXT_SIZES))
