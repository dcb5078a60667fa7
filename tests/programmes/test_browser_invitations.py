"""Invitations and lock-out, as people do them, in headless Chromium.

Set SCREENSHOT_DIR to keep a full-page screenshot of each new page.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from playwright.sync_api import Browser, Page, sync_playwright

from programmes.models import User
from tests.browser import CHROMIUM, CHROMIUM_ARGS, accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory

NEW_PASSWORD = "a long and unusual passphrase"


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser) -> Page:
    """A page in its own context: its own cookies, as another person's browser."""
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_invites_and_the_person_sets_a_password_and_lands_signed_in(
    live_server, browser, officer, council_a, mailoutbox
):
    officer_page = new_page(browser)
    sign_in(officer_page, live_server.url, "officer", PASSWORD)
    officer_page.goto(f"{live_server.url}/admin/programmes/invitation/add/")
    officer_page.get_by_label("First name").fill("Casey")
    officer_page.get_by_label("Last name").fill("Fictional")
    officer_page.get_by_label("Email").fill("casey.fictional@example.gov.uk")
    officer_page.get_by_label("Role").select_option("Council applicant")
    # The council is an autocomplete (select2) that asks the admin as you type.
    officer_page.locator(".field-council .select2-selection").click()
    officer_page.locator(".select2-search__field").fill("Allerdale")
    officer_page.get_by_role("option", name="Allerdale Borough Council").click()
    officer_page.get_by_role("button", name="Save", exact=True).click()
    officer_page.locator(".messagelist .success").wait_for()
    shot(officer_page, "admin-invitation-added")

    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/invitation/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(live_server.url)

    page = new_page(browser)
    page.goto(link)
    page.get_by_role("heading", name="Create your account").wait_for()
    assert accessibility_violations(page) == []
    shot(page, "invitation-accept")
    page.get_by_label("Password", exact=True).fill("too short")
    page.get_by_label("Confirm the password").fill("too short")
    page.get_by_role("button", name="Create your account").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: Create your account")
    assert accessibility_violations(page) == []
    shot(page, "invitation-accept-error")

    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create your account").click()
    page.get_by_role("heading", name="Your council's bids").wait_for()
    assert "Your account is ready" in page.content()
    assert "Signed in as Casey Fictional, Allerdale Borough Council" in page.content()
    assert User.objects.get(username="casey.fictional@example.gov.uk").council == council_a

    # The link worked once.
    page.goto(link)
    page.get_by_role("heading", name="This invitation has already been used").wait_for()
    assert accessibility_violations(page) == []
    shot(page, "invitation-used")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_invites_a_colleague_and_deactivates_another(
    live_server, browser, council_a, applicant_a, mailoutbox
):
    UserFactory(
        username="lead-a", council=council_a, role="Council applicant", is_council_lead=True
    )
    page = new_page(browser)
    sign_in(page, live_server.url, "lead-a", PASSWORD)
    page.get_by_role("link", name="Your council's users").click()
    page.get_by_role("heading", name="Your council's users").wait_for()
    assert accessibility_violations(page) == []
    shot(page, "team")

    page.get_by_role("button", name="Invite a colleague").click()
    page.get_by_role("button", name="Send the invitation").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter their first name" in page.content()
    assert accessibility_violations(page) == []
    shot(page, "team-invite-error")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Sample")
    page.get_by_label("Email address").fill("robin.sample@example.gov.uk")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("An invitation has been sent to robin.sample@example.gov.uk").wait_for()
    assert mailoutbox[-1].to == ["robin.sample@example.gov.uk"]
    shot(page, "team-invited")

    page.get_by_role("link", name=f"Deactivate {applicant_a.display_name}").click()
    page.get_by_role("heading", name="Are you sure you want to deactivate this account?").wait_for()
    assert accessibility_violations(page) == []
    shot(page, "team-deactivate")
    page.get_by_role("button", name="Deactivate their account").click()
    page.get_by_text(f"{applicant_a.display_name}'s account has been deactivated").wait_for()
    applicant_a.refresh_from_db()
    assert not applicant_a.is_active


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_five_wrong_passwords_lock_out_until_an_officer_lifts_it(
    live_server, browser, officer, applicant_a
):
    # The officer signed in before (from the same address, which the lock-out
    # will also cover: a shared office connection).
    officer_page = new_page(browser)
    sign_in(officer_page, live_server.url, "officer", PASSWORD)

    page = new_page(browser)
    for attempt in range(1, 6):
        sign_in(page, live_server.url, "applicant-a", "not the password")
        page.locator(".govuk-error-summary").wait_for()
        if attempt < 5:
            # The fifth failure itself already answers with the lock-out.
            assert "Enter a correct username and password" in page.content()
    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "You have entered the wrong details too many times. Try again at" in (
        summary.inner_text()
    )
    assert "/sign-in/" in page.url
    assert accessibility_violations(page) == []
    shot(page, "sign-in-locked-out")

    officer_page.goto(f"{live_server.url}/admin/axes/accessattempt/")
    shot(officer_page, "admin-access-attempts")
    officer_page.locator("#result_list").get_by_text("applicant-a").wait_for()
    officer_page.locator("#action-toggle").check()
    officer_page.locator("select[name=action]").select_option("delete_selected")
    officer_page.get_by_role("button", name="Go").click()
    officer_page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    officer_page.locator(".messagelist .success").wait_for()
    assert not AccessAttempt.objects.exists()

    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    page.get_by_role("heading", name="Your council's bids").wait_for()
