"""Two-factor sign-in of an officer, as a person does it, in headless Chromium."""

import pytest

from tests.browser import accessibility_violations
from tests.conftest import PASSWORD
from tests.twofactor.helpers import app_device, code_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_gives_password_then_code_and_lands_in_the_admin(live_server, page, officer):
    device = app_device(officer)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("heading", name="Enter your security code").wait_for()
    assert accessibility_violations(page) == []
    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: Enter your security code")
    assert accessibility_violations(page) == []

    # django-otp slows down guessing: after a wrong code the next try waits a second.
    page.wait_for_timeout(1100)
    page.get_by_label("Security code").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="LGA officers' workspace").wait_for()
    assert page.url == f"{live_server.url}/admin/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_member_sets_up_from_the_page_secret(live_server, page, board_member):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill("board")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    assert accessibility_violations(page) == []

    device = board_member.totpdevice_set.get()
    from programmes.twofactor.services import totp_secret_base32

    assert page.locator("#totp-secret").inner_text() == totp_secret_base32(device)
    page.get_by_label("Security code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="Two-factor sign-in is on").wait_for()
    assert page.locator("#backup-codes li").count() == 10
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Programme overview").wait_for()
