"""The adviser pages as people use them, in headless Chromium, checked with axe."""

from datetime import date
from decimal import Decimal

import pytest

from programmes.growth.models import AdviserDay
from programmes.growth.services import adviser_days_log, adviser_match
from programmes.permissions import SYSTEM
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.growth.awards import growth_award, panel


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_over_the_award_sees_the_error_then_the_council_sees_days_left(
    live_server, page, growth_call, council_a, applicant_a, officer
):
    bid = growth_award(growth_call, council_a, applicant_a, officer, days=5)
    adviser_match(application=bid, adviser=panel()["covers"], actor=officer)
    adviser_days_log(application=bid, worked_on=date(2013, 9, 9), days=Decimal(4), actor=SYSTEM)

    sign_in(page, live_server.url, "officer", PASSWORD)
    page.goto(f"{live_server.url}/growth-advisers/{bid.reference}/days/")
    assert accessibility_violations(page) == []
    page.get_by_label("When was the support given?").fill("01/10/2013")
    page.get_by_label("How many days?").fill("2")
    page.get_by_role("button", name="Log days").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert "Only 1 day left of the 5 awarded: 4 days already logged" in page.content()
    assert accessibility_violations(page) == []
    assert AdviserDay.objects.count() == 1

    page.context.clear_cookies()
    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    page.goto(f"{live_server.url}/growth-advisers/{bid.reference}/")
    assert page.locator("#days-left").inner_text() == "1"
    assert accessibility_violations(page) == []
