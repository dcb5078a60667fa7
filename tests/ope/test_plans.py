"""A pilot's project plan: drafting -> submitted -> signed off, the LGA first and then
the Cabinet Office (board paper para 5), each sign-off recorded with who and when."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programmes.ope import services
from programmes.ope.models import PlanState, ResourceAllocation
from savings import rollups
from savings.models import Investment
from savings.selectors import rollup_for
from tests.factories import PilotFactory, ProjectPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(council_a):
    return ProjectPlanFactory(pilot=PilotFactory(council=council_a))


@pytest.fixture
def sent(plan, applicant_a):
    return services.plan_submit(plan=plan, actor=applicant_a)


@pytest.fixture
def lga_signed(sent, officer):
    return services.plan_lga_sign_off(plan=sent, actor=officer)


def test_the_council_sends_its_plan_and_it_awaits_the_lgas_sign_off(sent, applicant_a):
    assert sent.state == PlanState.SUBMITTED
    assert sent.submitted_by == applicant_a
    assert sent.awaiting == "LGA sign-off"


def test_both_sign_offs_are_recorded_with_who_and_when(lga_signed, officer):
    at = lga_signed.lga_signed_off_at + timedelta(days=3)
    plan = services.plan_cabinet_office_sign_off(
        plan=lga_signed, actor=officer, signatory="A. Fictional, Cabinet Office", at=at
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.SIGNED_OFF
    assert plan.lga_signed_off_by == officer
    assert plan.lga_signed_off_at is not None
    assert plan.cabinet_office_signatory == "A. Fictional, Cabinet Office"
    assert plan.cabinet_office_recorded_by == officer
    assert plan.cabinet_office_signed_off_at == at


def test_the_cabinet_office_cannot_sign_off_before_the_lga(sent, officer):
    with pytest.raises(ValidationError, match="The LGA must sign off the plan before"):
        services.plan_cabinet_office_sign_off(plan=sent, actor=officer, signatory="Someone")
    sent.refresh_from_db()
    assert sent.state == PlanState.SUBMITTED
    assert sent.cabinet_office_signed_off_at is None


def test_a_cabinet_office_sign_off_dated_before_the_lgas_is_refused(lga_signed, officer):
    earlier = lga_signed.lga_signed_off_at - timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be dated before the LGA's"):
        services.plan_cabinet_office_sign_off(
            plan=lga_signed, actor=officer, signatory="Someone", at=earlier
        )


def test_the_cabinet_office_sign_off_needs_a_signatory(lga_signed, officer):
    with pytest.raises(ValidationError, match="Enter who signed off the plan"):
        services.plan_cabinet_office_sign_off(plan=lga_signed, actor=officer, signatory="  ")


def test_the_lga_cannot_sign_off_a_plan_still_being_drafted(plan, officer):
    with pytest.raises(ValidationError, match="has not sent yet"):
        services.plan_lga_sign_off(plan=plan, actor=officer)


def test_a_second_lga_sign_off_is_refused(lga_signed, officer):
    with pytest.raises(ValidationError, match="already signed off"):
        services.plan_lga_sign_off(plan=lga_signed, actor=officer)


def test_a_plan_cannot_be_sent_twice(sent, applicant_a):
    with pytest.raises(ValidationError, match="already been sent"):
        services.plan_submit(plan=sent, actor=applicant_a)


def test_only_officers_sign_off(sent, applicant_a, board_member):
    for actor in (applicant_a, board_member):
        with pytest.raises(PermissionDenied):
            services.plan_lga_sign_off(plan=sent, actor=actor)


def test_another_councils_user_cannot_send_the_plan(plan, applicant_b):
    with pytest.raises(PermissionDenied):
        services.plan_submit(plan=plan, actor=applicant_b)


def test_a_signed_off_plan_can_no_longer_be_changed(lga_signed, officer):
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.plan_save(pilot=lga_signed.pilot, title="Rewritten", actor=officer)


def test_the_database_refuses_a_cabinet_office_sign_off_without_the_lgas(sent):
    sent.cabinet_office_signed_off_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        sent.save()


def test_an_allocation_is_cabinet_office_investment_in_the_pilot(strands, plan, officer):
    allocation = services.pilot_resource_allocate(
        pilot=plan.pilot, amount=Decimal("23000"), financial_year="2013/14", actor=officer
    )
    investment = allocation.investment
    assert investment.source == "cabinet_office"
    assert investment.strand.key == "ope"
    assert investment.council == plan.pilot.council
    assert allocation.allocated_by == officer
    rollups.drain()
    assert rollup_for(strand=strands["ope"]).investment == Decimal("23000")


def test_signing_off_with_an_allocation_records_both(strands, lga_signed, officer):
    services.plan_cabinet_office_sign_off(
        plan=lga_signed, actor=officer, signatory="Someone", allocation=Decimal("25000")
    )
    allocation = ResourceAllocation.objects.select_related("investment").get()
    assert allocation.pilot == lga_signed.pilot
    assert allocation.investment.amount == Decimal("25000")


def test_a_refused_sign_off_allocates_nothing(strands, sent, officer):
    with pytest.raises(ValidationError):
        services.plan_cabinet_office_sign_off(
            plan=sent, actor=officer, signatory="Someone", allocation=Decimal("25000")
        )
    assert not Investment.objects.exists()


def test_an_allocation_of_nothing_is_refused(strands, plan, officer):
    with pytest.raises(ValidationError, match="greater than £0"):
        services.pilot_resource_allocate(pilot=plan.pilot, amount=Decimal("0"), actor=officer)
    assert not Investment.objects.exists()


def test_events_record_the_councils_and_organisations_attending(council_a, council_b, officer):
    event = services.event_save(
        title="Launch",
        kind="launch",
        held_on=datetime(2013, 6, 25).date(),
        councils=[council_a, council_b],
        other_organisations="Cabinet Office\n\nLocal Government Association\n",
        actor=officer,
    )
    assert set(event.councils.all()) == {council_a, council_b}
    assert event.organisation_list == ["Cabinet Office", "Local Government Association"]
    assert event.date_display == "25 June 2013"
