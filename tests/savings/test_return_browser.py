"""A council's savings return and an officer's verify and send back, in
headless Chromium, checked with axe."""

from decimal import Decimal

import pytest

from programmes.returns.models import ReturnState
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.savings.returns import award, first_return


def add_line(page, base: str, savings_return, kind: str, year: str, amount: str) -> None:
    page.goto(f"{base}/savings/returns/{savings_return.pk}/")
    page.get_by_role("button", name="Add savings").click()
    page.get_by_label(kind).check()
    page.get_by_role("group", name="Which financial year are the savings for?").get_by_label(
        year, exact=True
    ).check()
    page.get_by_label("How much, in pounds?").fill(amount)
    page.get_by_label("One-off").check()
    page.get_by_label("What is the evidence for this saving?").fill("The outturn report")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_council_sends_a_return_and_an_officer_verifies_one_line_and_sends_one_back(
    live_server, page, council_a, applicant_a, officer, strands
):
    savings_return = first_return(award(council_a, strand=strands["experts"]))
    base = live_server.url
    sign_in(page, base, "applicant-a", PASSWORD)

    # A figure people never mean is explained beside its field.
    add_line(page, base, savings_return, "Realised", "2013/14", "1e6")
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert "not as a power of ten" in page.content()
    assert accessibility_violations(page) == []

    add_line(page, base, savings_return, "Realised", "2013/14", "£120,000")
    add_line(page, base, savings_return, "Realised", "2013/14", "2,500.50")
    assert "£120,000.00" in page.content() and "£2,500.50" in page.content()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Continue to check and send").click()
    page.get_by_label("Your full name").fill("Avery Sample")
    page.get_by_label("I confirm that the savings").check()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Send the return").click()
    page.locator(".govuk-panel--confirmation").wait_for()
    assert savings_return.reference in page.locator(".govuk-panel").inner_text()
    assert accessibility_violations(page) == []

    page.context.clear_cookies()
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/returns/savingsreturn/?queue=awaiting")
    page.get_by_role("link", name=savings_return.reference).click()
    big = savings_return.lines.get(amount=Decimal("120000"))
    page.locator(f"#line-{big.pk}").check()
    page.get_by_label("Reason the council sees").fill("No invoice for the £2,500.50")
    page.get_by_role("button", name="Verify the chosen lines, send the rest back").click()
    page.wait_for_load_state()
    savings_return.refresh_from_db()
    assert savings_return.state == ReturnState.PARTLY_VERIFIED

    page.context.clear_cookies()
    sign_in(page, base, "applicant-a", PASSWORD)
    page.goto(f"{base}/savings/returns/{savings_return.pk}/")
    assert "No invoice for the £2,500.50" in page.content()
    assert accessibility_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_sending_a_return_corrected_after_an_error_asks_for_no_resubmission(
    live_server, page, council_a, applicant_a, strands
):
    savings_return = first_return(award(council_a, strand=strands["experts"]))
    base = live_server.url
    sign_in(page, base, "applicant-a", PASSWORD)
    add_line(page, base, savings_return, "Realised", "2013/14", "£120,000")
    page.get_by_role("button", name="Continue to check and send").click()
    # Sent without the confirmation: the error, on a page reached by GET.
    page.get_by_label("Your full name").fill("Avery Sample")
    page.get_by_role("button", name="Send the return").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Confirm that the return is correct" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Your full name").input_value() == "Avery Sample"
    page.get_by_label("I confirm that the savings").check()
    page.get_by_role("button", name="Send the return").click()
    page.locator(".govuk-panel--confirmation").wait_for()
    # Back asks for the check page again by GET (before, the page of a POST:
    # net::ERR_CACHE_MISS, the browser's "Confirm form resubmission"); the
    # return being sent, it leads to the return's page.
    response = page.go_back()
    assert response is not None and response.request.method == "GET"
    assert response.status == 200
    assert page.url.endswith(f"/savings/returns/{savings_return.pk}/")
    assert "Awaiting verification" in page.content()
    savings_return.refresh_from_db()
    assert savings_return.state == ReturnState.SUBMITTED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_certify_page_passes_axe_with_unique_ids_and_named_buttons(
    live_server, page, council_a, applicant_a, strands
):
    from programmes.returns import services as return_services
    from programmes.roles import APPLICANT
    from tests.factories import UserFactory
    from tests.pages import duplicate_ids
    from tests.savings.returns import line

    UserFactory(username="finance-a", council=council_a, role=APPLICANT, is_finance_officer=True)
    savings_return = first_return(
        award(council_a, strand=strands["experts"], returns_need_certification=True)
    )
    line(savings_return, "5000")
    return_services.return_submit(
        actor=applicant_a,
        savings_return=savings_return,
        declaration_name="Avery Sample",
        confirmed=True,
    )
    base = live_server.url
    sign_in(page, base, "finance-a", PASSWORD)
    page.goto(f"{base}/savings/returns/{savings_return.pk}/certify/")
    assert duplicate_ids(page.content()) == []
    assert page.get_by_role("button", name="Certify and send to the LGA").count() == 1
    assert page.get_by_role("button", name="Send back to the preparer").count() == 1
    assert accessibility_violations(page) == []
    # With an error: the summary's link reaches the reason's box.
    page.get_by_role("button", name="Send back to the preparer").click()
    page.locator(".govuk-error-summary").wait_for()
    target = page.locator(".govuk-error-summary a").first.get_attribute("href")
    assert target is not None and page.locator(target).count() == 1
    assert duplicate_ids(page.content()) == []
    assert accessibility_violations(page) == []
