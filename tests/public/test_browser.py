"""The public page, a case study and a pilot's plan page in headless Chromium: no
WCAG 2.2 A/AA violations (axe-core), and the public page reached from the footer."""

from decimal import Decimal

import pytest

from programmes.experts import services as experts
from programmes.ope import services as ope
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import CaseStudyFactory, InitiativeFactory, PilotFactory, ProjectPlanFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_public_page_and_a_case_study_are_accessible(live_server, page, officer, experts_call):
    InitiativeFactory(title="Commissioning Academy", published=True)
    study = experts.case_study_publish(
        case_study=CaseStudyFactory(title="Allerdale contracts"), actor=officer
    )
    page.goto(f"{live_server.url}/accessibility/")
    page.get_by_role("link", name="Productivity and commissioning").click()
    page.get_by_role("heading", name="Productivity and commissioning", level=1).wait_for()
    assert experts_call.title in page.content()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Allerdale contracts").click()
    page.get_by_role("heading", name=study.title).wait_for()
    assert accessibility_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pilot_council_reads_its_plan(live_server, page, applicant_a, officer, strands):
    plan = ProjectPlanFactory(pilot=PilotFactory(council=applicant_a.council), title="Our plan")
    ope.plan_submit(plan=plan, actor=applicant_a)
    ope.pilot_resource_allocate(pilot=plan.pilot, amount=Decimal("23000"), actor=officer)
    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    page.get_by_role("heading", name="Your council's bids").wait_for()
    page.goto(f"{live_server.url}/ope/plan/")
    page.get_by_role("heading", name="Project plan").wait_for()
    assert "Waiting for: LGA sign-off" in page.content()
    assert accessibility_violations(page) == []
