"""Money out in headless Chromium: an officer sets the budget, a decider
approves an award, the council claims with its invoice, an officer approves
the claim, LGA finance records the payment and the board sees it. axe-core
checks the council's and the board's pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from programmes.payments.models import Claim, ClaimState
from programmes.roles import OFFICER
from savings import rollups
from tests.applications.bids import bid_in_assessment
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.payments.money import grant, this_year


def axe_clean(page) -> None:
    assert accessibility_violations(page) == [], page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_budget_award_claim_approve_pay_and_the_board_sees_it(
    live_server, page, tmp_path, applicant_a, council_a, officer, board_member, experts_call
):
    base = live_server.url
    finance = grant(UserFactory(username="finance", is_staff=True, role=OFFICER), "record_payments")
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)

    # The budget.
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/payments/budget/add/")
    page.get_by_label("Strand").select_option(label="Productivity Experts")
    page.get_by_label("Financial year").fill(this_year())
    page.get_by_label("Funder").select_option(label="LGA business plan")
    page.get_by_label("Amount").fill("46000")
    page.get_by_label("Reason for setting or changing the budget").fill("The business plan")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()

    # The award.
    page.goto(f"{base}/admin/applications/application/{bid.pk}/approve/")
    page.get_by_label("Award (£)").fill("8000")
    page.get_by_role("button", name="Approve with an award").click()
    page.get_by_text(f"{bid.reference}: approved").wait_for()

    # The council claims.
    page.context.clear_cookies()
    sign_in(page, base, "applicant-a", PASSWORD)
    page.goto(f"{base}/claims/")
    axe_clean(page)
    page.get_by_role("link", name=bid.reference, exact=False).click()
    page.get_by_role("link", name="Make a claim").click()
    axe_clean(page)
    page.get_by_label("How much are you claiming, in pounds?").fill("9000")
    page.get_by_label("When did the spending start?").fill("1/10/2013")
    page.get_by_label("When did the spending end?").fill("31/12/2013")
    page.get_by_label("Invoice reference").fill("ALL-INV-0042")
    invoice = tmp_path / "invoice.csv"
    invoice.write_text("item,amount\nNegotiator,8000\n")
    page.get_by_label("Upload the invoice or other evidence of the spending").set_input_files(
        str(invoice)
    )
    page.get_by_label("I confirm that this money was spent", exact=False).check()
    page.get_by_role("button", name="Send the claim").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Claim £8,000.00 or less: that is what remains of the award" in page.content()
    axe_clean(page)
    page.get_by_label("How much are you claiming, in pounds?").fill("8000")
    page.get_by_label("Upload the invoice or other evidence of the spending").set_input_files(
        str(invoice)
    )
    page.get_by_label("I confirm that this money was spent", exact=False).check()
    page.get_by_role("button", name="Send the claim").click()
    page.get_by_text("Your claim has been sent to the LGA to check").wait_for()
    axe_clean(page)
    claim = Claim.objects.get()

    # An officer approves it; LGA finance pays it.
    page.context.clear_cookies()
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/payments/claim/{claim.pk}/change/")
    page.get_by_role("button", name="Approve the claim").click()
    page.get_by_text(f"Claim {claim.pk}: approved: waiting for payment").wait_for()
    page.context.clear_cookies()
    sign_in(page, base, finance.username, PASSWORD)
    page.goto(f"{base}/admin/payments/claim/{claim.pk}/change/")
    page.get_by_label("Paid on").fill("2013-12-20")
    page.get_by_label("Payment reference").fill("BACS-0042")
    page.get_by_role("button", name="Record the payment").click()
    page.get_by_text(f"Claim {claim.pk}: payment recorded").wait_for()
    claim.refresh_from_db()
    assert (claim.state, claim.amount) == (ClaimState.PAID, Decimal("8000"))

    # The board sees the money, once the worker has drained the outbox: with
    # a broker (CI) no drain runs in-process, so the test runs it.
    rollups.drain()
    page.context.clear_cookies()
    sign_in(page, base, "board", PASSWORD)
    page.goto(f"{base}/board/money/")
    row = page.locator("tr", has_text="Productivity Experts").first
    assert row.inner_text().split("\t")[1:6] == ["£46,000", "£8,000", "£8,000", "£8,000", "£38,000"]
    axe_clean(page)
