"""In headless Chromium, on the demo data: a council completes and sends a bid on
every call that is open in the demo, one strand after another, answering each
question page as a person would (so a page that cannot be finished fails here)."""

import pytest

from applications.models import Application, ApplicationState
from applications.selectors import calls_open
from programmes.models import User
from tests.browser import accessibility_violations, sign_in

PASSWORD = "a demo password for the browser test"


def _answer_every_question(page) -> None:
    """Fill what is empty on a question page: numbers, text, one box per group."""
    for field in page.locator("input.govuk-input:visible").all():
        if field.input_value():
            continue
        mode = field.get_attribute("inputmode")
        field.fill({"decimal": "5000", "numeric": "5"}.get(mode or "", "A demo answer"))
    for area in page.locator("textarea:visible").all():
        if not area.input_value():
            area.fill("A demo answer, typed in the browser.")
    for group in page.locator(".govuk-checkboxes").all():
        boxes = group.locator("input[type=checkbox]")
        # Partners are optional, and a named partner must answer before the
        # bid can be sent (tests/applications/test_partners.py): none named.
        if group.locator("input[name=partner_councils]").count():
            continue
        if boxes.count() and not any(box.is_checked() for box in boxes.all()):
            boxes.first.check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_council_sends_a_bid_on_every_open_call_in_the_demo(live_server, page, demo_committed):
    user = User.objects.get(username="demo-wyreforest")
    user.set_password(PASSWORD)
    user.save()
    calls = list(calls_open())
    assert {call.strand.key for call in calls} >= {"growth", "experts"}

    sign_in(page, live_server.url, user.username, PASSWORD)
    for call in calls:
        page.goto(f"{live_server.url}/bids/")
        page.get_by_role("link", name=call.title).click()
        page.get_by_role("button", name="Start a bid").click()
        page.get_by_role("heading", name="Your answers", exact=True).wait_for()
        bid_url = page.url
        sections = page.locator("a.govuk-task-list__link[href*='/questions/']").all_inner_texts()
        assert sections, call.title
        for title in sections:
            page.goto(bid_url)
            # Each click waits for the page it opens: reading the page before
            # the browser has left the last one answers nothing (a slow CI
            # machine showed it).
            with page.expect_navigation():
                page.get_by_role("link", name=title, exact=True).click()
            _answer_every_question(page)
            with page.expect_navigation():
                page.get_by_role("button", name="Save and continue").click()
            errors = page.locator(".govuk-error-summary")
            assert errors.count() == 0, (call.title, title, errors.all_inner_texts())
        page.goto(bid_url)
        assert "Incomplete" not in page.content(), call.title
        page.get_by_role("link", name="Check your answers and send").click()
        page.get_by_role("link", name="Continue to the declaration").click()
        page.get_by_label("I confirm that the information in this bid is correct").check()
        page.get_by_role("button", name="Accept and send bid").click()
        page.get_by_role("heading", name="Bid sent").wait_for()
        assert accessibility_violations(page) == [], page.url

    sent = Application.objects.filter(
        call__in=calls, lead_council=user.council, state=ApplicationState.SUBMITTED
    )
    assert {bid.call_id for bid in sent} == {call.pk for call in calls}
