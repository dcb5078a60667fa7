"""The whole journey in headless Chromium: a council bids, an officer approves in
the admin, the council sees the bid approved. axe-core checks each council page."""

import pytest

from applications.models import Application
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD


def axe_clean(page) -> None:
    assert accessibility_violations(page) == [], page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_council_bids_and_an_officer_approves(
    live_server, page, applicant_a, officer, growth_call
):
    base = live_server.url
    sign_in(page, base, "applicant-a", PASSWORD)
    page.get_by_role("link", name=growth_call.title).click()
    axe_clean(page)
    page.get_by_role("button", name="Start a bid").click()
    page.get_by_role("heading", name="Your bid", exact=True).wait_for()
    axe_clean(page)

    page.get_by_role("link", name="About the bid").click()
    page.get_by_label("Title of the bid").fill("Coastal growth plan")
    axe_clean(page)
    # Save and come back later: the draft waits in the council's list.
    page.get_by_role("button", name="Save and come back later").click()
    page.get_by_text("Your answers are saved").wait_for()
    page.get_by_role("link", name="Coastal growth plan").click()
    page.get_by_role("link", name="About the bid").click()
    assert page.get_by_label("Title of the bid").input_value() == "Coastal growth plan"

    # Save and continue without a summary: the error summary takes focus.
    page.get_by_role("button", name="Save and continue").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert "Enter a summary of the bid" in page.content()
    axe_clean(page)
    page.get_by_label("Summary").fill("Bring partners together on a coastal growth plan.")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("How many days of adviser support do you need?").fill("10")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Describe the project an adviser would help with").fill("A growth plan.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Strategy").check()
    axe_clean(page)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Sub-region").fill("West Cumbria")
    page.get_by_label("Local growth body", exact=False).fill("Cumberland Council")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Check your answers and send").click()
    page.get_by_role("heading", name="Check your answers before sending your bid").wait_for()
    assert "10 days" in page.content()
    axe_clean(page)
    page.get_by_role("link", name="Continue to the declaration").click()
    page.get_by_label("I confirm that the information in this bid is correct").check()
    axe_clean(page)
    page.get_by_role("button", name="Accept and send bid").click()
    page.get_by_role("heading", name="Bid sent").wait_for()
    reference = Application.objects.get().reference
    assert reference in page.locator(".govuk-panel").inner_text()
    axe_clean(page)

    # The officer assesses and approves in the admin.
    page.context.clear_cookies()
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/applications/application/")
    page.get_by_role("link", name=reference).click()
    page.get_by_role("link", name="Start assessment").click()
    page.get_by_role("button", name="Start assessment").click()
    page.get_by_role("link", name="Approve with an award").click()
    page.get_by_label("Award (adviser days)").fill("10")
    page.get_by_role("button", name="Approve with an award").click()
    page.get_by_text(f"{reference}: approved").wait_for()

    # The council sees it approved.
    page.context.clear_cookies()
    sign_in(page, base, "applicant-a", PASSWORD)
    page.get_by_role("heading", name="Your council's bids").wait_for()
    row = page.locator("tr", has_text=reference)
    assert "Successful" in row.inner_text()
    assert "Awarded 10 days" in row.inner_text()
    axe_clean(page)
    row.get_by_role("link", name="Coastal growth plan").click()
    # Waits for the bid's page (the click only starts loading it).
    page.get_by_text("Approved: 10 days awarded").wait_for()
    axe_clean(page)
