"""No sideways scroll at 375 px on the council lead's team page and the admin
pages an officer opens first; wide board tables say that they scroll; the
admin's focus is as plain as the council pages' (issue 27), in headless
Chromium."""

import pytest
from django.urls import reverse

from programmes.models import User
from programmes.roles import BOARD_MEMBER, OFFICER
from tests.browser import sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory

PHONE = {"width": 375, "height": 812}
SCROLL_WIDTH = "document.documentElement.scrollWidth"
# Each admin-home check's name on one line (it wrapped a letter a line).
CHECK_NAME_LINES = """() => [...document.querySelectorAll('#portal-health th[scope=row]')]
  .map((th) => {
    const range = document.createRange();
    range.selectNodeContents(th);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  })"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_council_lead_sees_the_team_and_its_buttons_on_a_phone(live_server, page, demo_committed):
    lead = User.objects.get(username="demo-wyreforest")
    lead.set_password(PASSWORD)
    lead.save()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "demo-wyreforest", PASSWORD)
    page.goto(live_server.url + reverse("team"))

    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    for name in ["Send again", "Withdraw"]:
        box = page.get_by_role("button", name=name).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_opens_the_admin_home_and_the_bid_list_on_a_phone(
    live_server, page, demo_committed
):
    UserFactory(username="phone-officer", role=OFFICER, is_staff=True)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "phone-officer", PASSWORD)

    page.goto(live_server.url + "/admin/")
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    assert set(page.evaluate(CHECK_NAME_LINES)) == {1}
    # The bid list's table scrolls in its own box; nothing else is wider.
    page.goto(live_server.url + reverse("admin:applications_application_changelist"))
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_reviews_a_savings_return_on_a_phone(live_server, page, demo_committed):
    """The return review was 746 px wide at 375 (issue 27): its tables now
    scroll in their own boxes and its reason boxes fit."""
    from programmes.returns.models import SavingsReturn

    savings_return = SavingsReturn.objects.filter(lines__isnull=False).order_by("pk").first()
    UserFactory(username="phone-officer", role=OFFICER, is_staff=True)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "phone-officer", PASSWORD)
    page.goto(
        live_server.url + reverse("admin:returns_savingsreturn_change", args=[savings_return.pk])
    )
    assert savings_return.reference in page.content()
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wide_board_table_says_it_scrolls_sideways_on_a_phone_only(
    live_server, page, demo_committed
):
    UserFactory(username="cue-board", role=BOARD_MEMBER)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "cue-board", PASSWORD)
    page.goto(live_server.url + reverse("board:overview"))
    cue = page.get_by_text("Scroll the table sideways to see all 8 columns")
    assert cue.is_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        "() => [...document.querySelectorAll('.pp-table-wrapper__hint')].every((p) => p.hidden)"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admins_focus_is_a_thick_yellow_and_black_ring(live_server, page, officer):
    sign_in(page, live_server.url, "officer", PASSWORD)
    page.goto(live_server.url + "/admin/")
    page.keyboard.press("Tab")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow]; })()"
    )
    assert style[:3] == ["solid", "3px", "rgb(255, 221, 0)"]
    assert "rgb(11, 12, 12)" in style[3]
