"""One Public Estate writes: pilots, plan sign-off, resource allocation, events.

Keyword-only, one transaction each. The Cabinet Office resource is money, so
it is recorded through `savings.services.investment_record` and only linked
here (docs/strands.md).

Who may act (programmes/permissions.py): LGA officers for everything here
(`require_officer`), except sending a plan for sign-off, which the pilot
council's own users may do too (`require_officer_or_council_user`). `actor`
is required; the demo passes `DEMO`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import Council, Strand
from programmes.ope.models import Event, Pilot, PlanState, ProjectPlan, ResourceAllocation
from programmes.payments.services import commitment_allocate
from programmes.permissions import Actor, as_user, require_officer, require_officer_or_council_user
from programmes.services import model_update
from savings.models import Investment, InvestmentSource
from savings.services import investment_record
from savings.years import financial_year_of

EVENT_FIELDS = (
    "title",
    "kind",
    "held_on",
    "month_only",
    "venue",
    "description",
    "other_organisations",
    "councils",
)


def _lock(plan: ProjectPlan) -> ProjectPlan:
    # Two officers signing off the same plan at once must not both pass the
    # state check: the row lock makes the second see the first's sign-off.
    return ProjectPlan.objects.select_for_update().select_related("pilot__council").get(pk=plan.pk)


@transaction.atomic
def pilot_save(*, council: Council, actor: Actor, wave: int = 1, partner_bodies: str = "") -> Pilot:
    """Create the council's pilot partnership, or update its wave and partners."""
    require_officer(actor)
    pilot = Pilot.objects.filter(council=council).first() or Pilot(council=council)
    pilot, _ = model_update(
        instance=pilot,
        fields=("wave", "partner_bodies"),
        data={"wave": wave, "partner_bodies": partner_bodies},
    )
    return pilot


@transaction.atomic
def plan_save(*, pilot: Pilot, title: str, actor: Actor, summary: str = "") -> ProjectPlan:
    """Write the plan's text. Once the LGA has signed it off, it is frozen."""
    require_officer(actor)
    plan = ProjectPlan.objects.select_for_update().filter(pilot=pilot).first()
    plan = plan or ProjectPlan(pilot=pilot)
    if plan.lga_signed_off_at is not None:
        raise ValidationError(
            "This plan has been signed off by the LGA and can no longer be changed",
            code="signed_off",
        )
    plan, _ = model_update(
        instance=plan, fields=("title", "summary"), data={"title": title, "summary": summary}
    )
    return plan


@transaction.atomic
def plan_submit(*, plan: ProjectPlan, actor: Actor, at: datetime | None = None) -> ProjectPlan:
    """Send the plan for sign-off: by the pilot council's users or an LGA officer."""
    plan = _lock(plan)
    require_officer_or_council_user(actor, plan.pilot.council_id)
    if plan.state != PlanState.DRAFTING:
        raise ValidationError(
            f"The plan has already been sent: it is {plan.get_state_display().lower()}",
            code="wrong_state",
        )
    plan.state = PlanState.SUBMITTED
    plan.submitted_at = at or timezone.now()
    plan.submitted_by = as_user(actor)
    plan.save()
    return plan


@transaction.atomic
def plan_lga_sign_off(
    *, plan: ProjectPlan, actor: Actor, at: datetime | None = None
) -> ProjectPlan:
    """The LGA's sign-off: the first of the two (para 5)."""
    require_officer(actor)
    plan = _lock(plan)
    if plan.state == PlanState.DRAFTING:
        raise ValidationError(
            "The LGA cannot sign off a plan the council has not sent yet", code="not_submitted"
        )
    if plan.lga_signed_off_at is not None:
        raise ValidationError("The LGA has already signed off this plan", code="already")
    plan.lga_signed_off_at = at or timezone.now()
    plan.lga_signed_off_by = as_user(actor)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_cabinet_office_sign_off(
    *,
    plan: ProjectPlan,
    actor: Actor,
    signatory: str,
    at: datetime | None = None,
    allocation: Decimal | None = None,
) -> ProjectPlan:
    """Record the Cabinet Office's sign-off, after the LGA's; the plan is then signed off.

    With `allocation`, the resource the Cabinet Office allocates on signing
    off is recorded in the same transaction (para 5: "signing off ... and
    allocating resources").
    """
    require_officer(actor)
    plan = _lock(plan)
    if not signatory.strip():
        raise ValidationError(
            {"signatory": "Enter who signed off the plan for the Cabinet Office"}, code="required"
        )
    if plan.lga_signed_off_at is None:
        raise ValidationError(
            "The LGA must sign off the plan before the Cabinet Office's sign-off is recorded",
            code="order",
        )
    if plan.cabinet_office_signed_off_at is not None:
        raise ValidationError("The Cabinet Office has already signed off this plan", code="already")
    at = at or timezone.now()
    if at < plan.lga_signed_off_at:
        raise ValidationError(
            "The Cabinet Office's sign-off cannot be dated before the LGA's", code="order"
        )
    plan.cabinet_office_signed_off_at = at
    plan.cabinet_office_signatory = signatory.strip()
    plan.cabinet_office_recorded_by = as_user(actor)
    plan.state = PlanState.SIGNED_OFF
    plan.full_clean()
    plan.save()
    if allocation is not None:
        pilot_resource_allocate(pilot=plan.pilot, amount=allocation, actor=actor, at=at)
    return plan


@transaction.atomic
def pilot_resource_allocate(
    *,
    pilot: Pilot,
    amount: Decimal,
    actor: Actor,
    financial_year: str | None = None,
    at: datetime | None = None,
    description: str = "Cabinet Office resource for the pilot",
) -> ResourceAllocation:
    """Allocate Cabinet Office resource to a pilot, recorded as investment."""
    require_officer(actor)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "Enter an amount greater than £0"}, code="amount")
    at = at or timezone.now()
    investment = investment_record(
        strand=Strand.objects.get(key="ope"),
        council=pilot.council,
        source=InvestmentSource.CABINET_OFFICE,
        financial_year=financial_year or financial_year_of(timezone.localdate(at)),
        amount=amount,
        description=description,
        actor=actor,
        awarded_on=timezone.localdate(at),
    )
    # The allocation commits against OPE's budget (docs/money.md).
    commitment_allocate(investment=investment, actor=actor, at=at)
    return ResourceAllocation.objects.create(
        pilot=pilot, investment=investment, allocated_at=at, allocated_by=as_user(actor)
    )


@transaction.atomic
def pilot_investment_adopt(
    *, pilot: Pilot, investment: Investment, actor: Actor, at: datetime | None = None
) -> ResourceAllocation:
    """Link a Cabinet Office investment recorded before allocations existed to its pilot.

    Data recorded by earlier versions of the demo (investment only) gains its
    allocation without a second investment being recorded.
    """
    require_officer(actor)
    if (
        investment.strand.key != "ope"
        or investment.council_id != pilot.council_id
        or investment.source != InvestmentSource.CABINET_OFFICE
    ):
        raise ValidationError("This investment is not a Cabinet Office allocation to the pilot")
    return ResourceAllocation.objects.create(
        pilot=pilot, investment=investment, allocated_at=at or investment.created_at
    )


@transaction.atomic
def event_save(
    *,
    title: str,
    kind: str,
    held_on,
    actor: Actor,
    event: Event | None = None,
    month_only: bool = False,
    venue: str = "",
    description: str = "",
    councils: list[Council] | None = None,
    other_organisations: str = "",
) -> Event:
    """Create or change an event and who attended."""
    require_officer(actor)
    # An event being changed is read again, locked: the admin hands over
    # its form's copy, already changed.
    if event is not None and event.pk:
        event = Event.objects.select_for_update().get(pk=event.pk)
    event = event or Event()
    data: dict[str, object] = {
        "title": title,
        "kind": kind,
        "held_on": held_on,
        "month_only": month_only,
        "venue": venue,
        "description": description,
        "other_organisations": other_organisations,
    }
    if councils is not None:
        data["councils"] = councils
    event, _ = model_update(instance=event, fields=EVENT_FIELDS, data=data)
    return event


@transaction.atomic
def event_delete(*, event: Event, actor: Actor) -> None:
    """Delete an event and its attendance list."""
    require_officer(actor)
    event.delete()
