"""Headless Chromium (Debian's, never a downloaded browser) driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no network beyond localhost: stop Chromium reaching out.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium; each test opens its own context (cookies, storage,
    cache) in it with `fresh_page`."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context: nothing kept from an earlier page."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A page in a browser of its own (scripts/screenshot.py)."""
    with chromium() as browser, fresh_page(browser) as page:
        yield page


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page, one line each."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
    ]


def totp_code_now(user) -> str:
    """The code the user's authenticator app would show, computed from the
    device's secret with django-otp's own TOTP; a step ahead when this step's
    code was already used (django-otp refuses a code twice and accepts one
    step of clock drift), so one test may sign the same person in twice."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.drift += device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Password, then (for officers, board members and anyone with a device)
    the code from their app: officers and board members without one are given
    a device first, as if they had set it up before."""
    from programmes.models import User
    from programmes.twofactor.policy import two_factors_required
    from tests.conftest import confirmed_totp_device

    user = User.objects.filter(username=username).first()
    if user is not None and two_factors_required(user):
        confirmed_totp_device(user)
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/sign-in/code/" in page.url:
        page.get_by_label("Security code").fill(totp_code_now(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
