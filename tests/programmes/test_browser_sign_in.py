"""Signing in, as a person does it, in headless Chromium."""

import pytest

from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_applicant_signs_in_and_sees_their_councils_bids(live_server, page, applicant_a):
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    assert accessibility_violations(page) == []

    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    page.get_by_role("heading", name="Your council's bids").wait_for()
    assert "Allerdale Borough Council" in page.content()
    assert accessibility_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_failed_sign_in_moves_focus_to_the_error_summary(live_server, page, applicant_a):
    sign_in(page, live_server.url, "applicant-a", "not the password")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error: Sign in")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert accessibility_violations(page) == []
