"""The demo's One Public Estate (board paper paras 2-5): 12 pilots with plans awaiting
sign-off, £23,000 of Cabinet Office resource allocated to each through the service, and
the May workshop and 25 June launch. Loading it twice, or over data recorded by the
earlier demo (investment without allocations), duplicates nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from programmes.demo import DemoContext
from programmes.experts.models import Appointment, CaseStudy
from programmes.models import Council, Strand, User
from programmes.ope.models import Event, Pilot, PlanState, ProjectPlan, ResourceAllocation
from programmes.permissions import SYSTEM
from programmes.public.models import Initiative
from savings.models import Investment, InvestmentSource
from savings.selectors import rollup_for
from savings.services import investment_record

# This strand's rows, and those the Experts and public-page demos add beside them.
TABLES = (
    Pilot,
    ProjectPlan,
    ResourceAllocation,
    Event,
    Investment,
    Appointment,
    CaseStudy,
    Initiative,
)


def snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list()) for model in TABLES}


@pytest.fixture
def demo(demo, settings):
    settings.DEBUG = True  # for the tests that load it again


def test_twelve_pilots_await_sign_off_with_23000_each(demo, client):
    assert Pilot.objects.count() == 12
    assert set(ProjectPlan.objects.values_list("state", flat=True)) == {PlanState.SUBMITTED}
    allocations = ResourceAllocation.objects.select_related("investment", "pilot")
    assert len(allocations) == 12
    for allocation in allocations:
        assert allocation.investment.amount == Decimal("23000")
        assert allocation.investment.source == InvestmentSource.CABINET_OFFICE
        assert allocation.investment.council_id == allocation.pilot.council_id
    figures = rollup_for(strand=allocations[0].investment.strand)
    assert figures.investment == Decimal("276000")
    launch = Event.objects.get(kind="launch")
    assert launch.date_display == "25 June 2013"
    assert [c.short_name for c in launch.councils.all()] == ["Surrey"]
    assert Event.objects.get(kind="workshop").date_display == "May 2013"
    # The demo's pilot council user sees the council's own plan.
    client.force_login(User.objects.get(username="demo-surrey"))
    page = client.get("/ope/plan/", follow=True).content.decode()
    assert "Surrey County Council" in page
    assert "Waiting for: LGA sign-off" in page


def test_a_second_load_changes_no_rows(demo):
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before


def test_investment_recorded_by_the_earlier_demo_is_adopted_not_duplicated(settings, db):
    settings.DEBUG = True
    from programmes import demo as core
    from programmes.ope.demo import PILOTS

    core.load(DemoContext(write=lambda _: None))
    for name in PILOTS:  # what the earlier demo recorded: investment only
        investment_record(
            actor=SYSTEM,
            strand=Strand.objects.get(key="ope"),
            council=Council.objects.get(short_name=name),
            source=InvestmentSource.CABINET_OFFICE,
            financial_year="2013/14",
            amount=Decimal("23000"),
        )
    call_command("load_demo")
    assert Investment.objects.filter(strand__key="ope").count() == 12
    assert ResourceAllocation.objects.count() == 12
