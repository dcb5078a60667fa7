"""Under the Content-Security-Policy, in headless Chromium: no violation in
the console, and GOV.UK Frontend's JavaScript still starts."""

import pytest

from tests.browser import sign_in
from tests.conftest import PASSWORD


def collect_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bid_list_runs_its_scripts_with_no_csp_violation(live_server, page, applicant_a):
    console = collect_console(page)
    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    page.get_by_role("heading", name="Your council's bids").wait_for()
    page.wait_for_load_state("networkidle")

    body_classes = page.evaluate("document.body.className")
    assert "js-enabled" in body_classes
    assert "govuk-frontend-supported" in body_classes
    # initAll() ran: the skip link's module marks itself initialised.
    assert page.locator(".govuk-skip-link[data-govuk-skip-link-init]").count() == 1
    assert [line for line in console if "Content Security Policy" in line] == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_its_scripts_with_no_csp_violation(live_server, page, officer):
    console = collect_console(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/axes/accessattempt/")
    page.wait_for_load_state("networkidle")
    assert [line for line in console if "Content Security Policy" in line] == []
