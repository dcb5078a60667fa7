"""Writes for the Growth Advisers panel: advisers, matches and adviser days.

Keyword-only, one transaction each. Board paper paras 15-18.

Who may act (programmes/permissions.py): LGA officers only, for every write
here (`require_officer`); `actor` is required and stored through `as_user`.
`adviser_days_used` is a read, not a write, and takes no actor.

Adviser days costed (docs/money.md, "Adviser days"): `adviser_days_cost`
turns the days logged over a period into a claim on the award, paid to the
adviser's organisation through programmes.payments (checked, approved, paid
by LGA finance like a council's claim).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from applications.models import Application, ApplicationState
from programmes.growth.models import (
    SUPPORT_AREAS,
    Adviser,
    AdviserCosting,
    AdviserDay,
    AdviserDayCost,
    AdviserMatch,
)
from programmes.payments import services as payments
from programmes.payments.models import ClaimState, Commitment
from programmes.permissions import Actor, as_user, require_officer
from programmes.services import model_update

AREA_FIELDS = {field for field, _ in SUPPORT_AREAS}
ADVISER_FIELDS = (
    "name",
    "organisation",
    "source",
    "biography",
    "active",
    *(field for field, _ in SUPPORT_AREAS),
)
HALF = Decimal("0.5")


def _areas(expertise: Iterable[str]) -> dict[str, bool]:
    chosen = set(expertise)
    unknown = chosen - AREA_FIELDS
    if unknown:
        raise ValidationError(f"Unknown support areas: {', '.join(sorted(unknown))}")
    return {field: field in chosen for field in AREA_FIELDS}


@transaction.atomic
def adviser_upsert(
    *,
    name: str,
    source: str,
    expertise: Iterable[str],
    actor: Actor,
    organisation: str = "",
    biography: str = "",
    active: bool = True,
    on: date | None = None,
) -> Adviser:
    """Add an adviser to the panel (joining on `on`, today if not given), or
    update the one with this name and organisation (a change of `active`
    taking effect on `on`: `_panel_dates`)."""
    require_officer(actor)
    adviser = Adviser.objects.filter(name=name, organisation=organisation).first() or Adviser(
        name=name, organisation=organisation, joined_on=on or timezone.localdate()
    )
    data = {"source": source, "biography": biography, "active": active, **_areas(expertise)}
    adviser, _ = model_update(
        instance=adviser,
        fields=[*ADVISER_FIELDS, "joined_on", "left_on"],
        data={**data, **_panel_dates(adviser, active, on)},
    )
    return adviser


def _panel_dates(adviser: Adviser, active: bool, on: date | None) -> dict[str, date | None]:
    """The panel dates a change of `active` on `on` (today if not given)
    makes: leaving sets `left_on`; rejoining starts a new stint."""
    if adviser.pk is None or adviser.active == active:
        return {}
    day = on or timezone.localdate()
    if not active:
        if day < adviser.joined_on:
            raise ValidationError(
                {"left_on": "An adviser cannot leave the panel before joining it"}
            )
        return {"left_on": day}
    return {"joined_on": day, "left_on": None}


@transaction.atomic
def adviser_update(
    *, adviser: Adviser, data: Mapping[str, object], actor: Actor, on: date | None = None
) -> Adviser:
    """Change an adviser's details (a rename too, where the upsert would add one).
    Expertise is its support-area fields, or `expertise`, a list of them.
    Leaving or rejoining the panel (`active`) takes effect on `on` (today if
    not given); `joined_on` may be corrected directly."""
    require_officer(actor)
    stored = Adviser.objects.select_for_update().get(pk=adviser.pk)
    changes = dict(data)
    if "expertise" in changes:
        changes.update(_areas(changes.pop("expertise")))  # type: ignore[arg-type]
    if "active" in changes:
        changes.update(_panel_dates(stored, bool(changes["active"]), on))
    stored, _ = model_update(
        instance=stored, fields=[*ADVISER_FIELDS, "joined_on", "left_on"], data=changes
    )
    return stored


def _lock_growth_award(application: Application) -> Application:
    # SELECT ... FOR UPDATE on the bid: every write that depends on the
    # award's days so far is serialised per bid (see adviser_days_log).
    locked = (
        Application.objects.select_for_update()
        .select_related("call__strand")
        .get(pk=application.pk)
    )
    if locked.call.strand.key != "growth":
        raise ValidationError("Only Growth Advisers bids have an adviser", code="not_growth")
    if locked.state != ApplicationState.APPROVED or not locked.award_days:
        raise ValidationError(
            "Only an approved bid with adviser days awarded can have an adviser",
            code="not_awarded",
        )
    return locked


@transaction.atomic
def adviser_match(
    *,
    application: Application,
    adviser: Adviser,
    actor: Actor,
    note: str = "",
    at: datetime | None = None,
) -> AdviserMatch:
    """Match an approved Growth bid to an adviser on the panel (or change its adviser)."""
    require_officer(actor)
    application = _lock_growth_award(application)
    if not adviser.active:
        raise ValidationError(f"{adviser} is no longer on the panel", code="inactive")
    match, _ = AdviserMatch.objects.update_or_create(
        application=application,
        defaults={
            "adviser": adviser,
            "matched_by": as_user(actor),
            "matched_at": at or timezone.now(),
            "note": note,
        },
    )
    return match


def _days_text(days: Decimal) -> str:
    text = f"{days.normalize():f}"
    return f"{text} day" if days == 1 else f"{text} days"


@transaction.atomic
def adviser_days_log(
    *,
    application: Application,
    worked_on: date,
    days: Decimal,
    actor: Actor,
    description: str = "",
) -> AdviserDay:
    """Log days of adviser support against a bid's award.

    Refused when the total logged would pass the days awarded, or when the
    date is outside the call's support window (para 18: up to 14 days over
    September 2013 - February 2014).

    The race: two officers logging days against one bid at the same moment
    could each read "10 of 14 used", each add 3, and leave 16 logged. The
    bid's row is locked (SELECT ... FOR UPDATE, in `_lock_growth_award`)
    before the total is read, so the second waits for the first to commit
    and then sees its days. On SQLite, writers are already serialised by
    the immediate transactions configured in settings.
    """
    require_officer(actor)
    application = _lock_growth_award(application)
    errors: dict[str, list[str]] = {}
    if days <= 0:
        errors.setdefault("days", []).append("Enter a number of days more than 0")
    elif days % HALF:
        errors.setdefault("days", []).append("Enter days in whole or half days, like 1 or 1.5")
    call = application.call
    if call.support_from and worked_on < call.support_from:
        errors.setdefault("worked_on", []).append(
            f"The date must be on or after {call.support_from:%-d %B %Y}, "
            "when the support window opens"
        )
    if call.support_until and worked_on > call.support_until:
        errors.setdefault("worked_on", []).append(
            f"The date must be on or before {call.support_until:%-d %B %Y}, "
            "when the support window closes"
        )
    match = AdviserMatch.objects.filter(application=application).select_related("adviser").first()
    if match is None:
        raise ValidationError("Match this bid to an adviser before logging days", code="no_match")
    if not errors:
        used = adviser_days_used(application=application)
        assert application.award_days, "_lock_growth_award refuses a bid without days"
        left = Decimal(application.award_days) - used
        if days > left:
            errors.setdefault("days", []).append(
                f"Only {_days_text(left)} left of the {application.award_days} awarded: "
                f"{_days_text(used)} already logged"
            )
    if errors:
        raise ValidationError(errors)
    day = AdviserDay(
        application=application,
        adviser=match.adviser,
        worked_on=worked_on,
        days=days,
        day_rate=call.day_rate,
        description=description,
        logged_by=as_user(actor),
    )
    day.full_clean()
    day.save()
    return day


@transaction.atomic
def adviser_day_delete(*, day: AdviserDay, actor: Actor) -> None:
    """Remove a logged day, unless it is costed on a claim not sent back."""
    require_officer(actor)
    Application.objects.select_for_update(of=("self",)).get(pk=day.application_id)
    _costs_release(day.application_id)
    held = AdviserDayCost.objects.filter(adviser_day=day, released_at__isnull=True)
    claim = held.values_list("costing__claim_id", flat=True).first()
    if claim is not None:
        raise ValidationError(
            f"This day is costed on claim {claim}: it cannot be removed unless the claim "
            "is sent back",
            code="costed",
        )
    # Costings whose claims were sent back keep their record; their line for
    # this day goes with it.
    AdviserDayCost.objects.filter(adviser_day=day).delete()
    day.delete()


def adviser_days_used(*, application: Application) -> Decimal:
    total = AdviserDay.objects.filter(application=application).aggregate(total=Sum("days"))
    return total["total"] or Decimal(0)


# Adviser days costed ----------------------------------------------------------

PENNY = Decimal("0.01")


def _span(period_from: date, period_to: date) -> str:
    return f"from {period_from:%-d %B %Y} to {period_to:%-d %B %Y}"


def _costs_release(application_id: int, at: datetime | None = None) -> None:
    """Free the days of costings whose claims were sent back: they may be
    costed again. Run under the bid's lock (payments' send-back knows nothing
    of growth, so the release happens here, when the days are next read for
    a write)."""
    AdviserDayCost.objects.filter(
        costing__application_id=application_id,
        released_at__isnull=True,
        costing__claim__state=ClaimState.SENT_BACK,
    ).update(released_at=at or timezone.now())


def _days_cost_check(
    days: Decimal | None, period_from: date | None, period_to: date | None, reference: str
) -> None:
    errors: dict[str, str] = {}
    if days is None:
        errors["days"] = "Enter the number of days the adviser's organisation invoiced"
    elif days <= 0:
        errors["days"] = "Enter a number of days more than 0"
    elif days % HALF:
        errors["days"] = "Enter days in whole or half days, like 1 or 1.5"
    if period_from is None:
        errors["period_from"] = "Enter the first day of the period the invoice covers"
    if period_to is None:
        errors["period_to"] = "Enter the last day of the period the invoice covers"
    elif period_from is not None and period_to < period_from:
        errors["period_to"] = "The end of the period must be the same as or after its start"
    if not reference.strip():
        errors["invoice_reference"] = "Enter the adviser's organisation's invoice reference"
    if errors:
        raise ValidationError(errors)


def _costing_award(application: Application) -> tuple[Application, Commitment]:
    # SELECT ... FOR UPDATE on the bid (only its row): two officers costing
    # the same days at once are serialised here; the second then finds the
    # days costed and is told so (tests/growth/test_adviser_costing_race.py).
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__strand")
        .get(pk=application.pk)
    )
    if locked.call.strand.key != "growth" or not locked.award_days:
        raise ValidationError(
            "Only a Growth Advisers award's adviser days are costed", code="not_growth"
        )
    if locked.state != ApplicationState.APPROVED:
        raise ValidationError("Only an approved award's days are costed", code="not_awarded")
    commitment = Commitment.objects.filter(application=locked).first()
    if commitment is None:
        raise ValidationError(
            "This award commits no money (it was made before money out was followed): "
            "there is nothing to pay its days from",
            code="no_commitment",
        )
    if commitment.is_withdrawn:
        raise ValidationError(
            "You cannot cost days on this award: it was withdrawn on "
            f"{timezone.localtime(commitment.withdrawn_at):%-d %B %Y}",
            code="withdrawn",
        )
    return locked, commitment


@transaction.atomic
def adviser_days_cost(
    *,
    application: Application,
    period_from: date | None,
    period_to: date | None,
    days: Decimal | None,
    invoice_reference: str,
    actor: Actor,
    note: str = "",
    at: datetime | None = None,
) -> AdviserCosting:
    """Cost the adviser days logged over a period (the adviser's
    organisation's invoice for them) at their day rate, as a claim on the
    award paid to the organisation.

    `days` is what the invoice says: it must equal the days logged in the
    period and not yet costed, and never take the days costed past the days
    awarded. Each logged day is costed at the day rate it was logged at
    (`AdviserDay.day_rate`, the call's rate then). The claim must fit in
    what remains of the award's commitment (payments.claim_record_for_payee).
    A day is held by one costing at a time (a partial unique constraint
    backs the bid's lock); a costing whose claim is sent back frees its days.
    """
    require_officer(actor)
    _days_cost_check(days, period_from, period_to, invoice_reference)
    assert days is not None and period_from is not None and period_to is not None
    application, commitment = _costing_award(application)
    at = at or timezone.now()
    _costs_release(application.pk, at)
    live = AdviserDayCost.objects.filter(costing__application=application, released_at__isnull=True)
    costed = live.aggregate(total=Sum("days"))["total"] or Decimal(0)
    awarded = Decimal(application.award_days or 0)
    if days > awarded - costed:
        left = awarded - costed
        raise ValidationError(
            {
                "days": f"Only {_days_text(left)} of the {application.award_days} awarded "
                f"remain to be costed: {_days_text(costed)} already costed"
                if left > 0
                else f"All {application.award_days} days awarded have already been costed"
            },
            code="beyond_award",
        )
    span = _span(period_from, period_to)
    logged = list(
        AdviserDay.objects.filter(
            application=application, worked_on__range=(period_from, period_to)
        )
        .select_related("adviser")
        .order_by("worked_on", "pk")
    )
    held = dict(
        live.filter(adviser_day__in=logged).values_list("adviser_day_id", "costing__claim_id")
    )
    free = [day for day in logged if day.pk not in held]
    if not free:
        if held:
            claims = ", ".join(str(pk) for pk in sorted(set(held.values())))
            raise ValidationError(
                {
                    "period_from": f"The days logged {span} have already been costed "
                    f"(claim {claims}): choose a period with days not yet costed"
                },
                code="already_costed",
            )
        raise ValidationError({"period_from": f"No adviser days are logged {span}"}, code="no_days")
    total = sum((day.days for day in free), Decimal(0))
    if days != total:
        raise ValidationError(
            {
                "days": f"{_days_text(total)} logged {span} "
                f"{'is' if total == 1 else 'are'} not yet costed: enter {total.normalize():f}, "
                "or change the period to the days the invoice covers"
            },
            code="days_differ",
        )
    advisers = {day.adviser_id for day in free}
    if len(advisers) > 1:
        raise ValidationError(
            {
                "period_from": f"The days logged {span} were given by {len(advisers)} "
                "advisers: cost each adviser's days separately"
            },
            code="two_advisers",
        )
    adviser = free[0].adviser
    if not adviser.organisation.strip():
        raise ValidationError(
            f"Add {adviser}'s organisation on the panel before costing their days: "
            "the organisation is paid",
            code="no_organisation",
        )
    lines = []
    for day in free:
        rate = day.day_rate if day.day_rate is not None else application.call.day_rate
        if rate is None:
            raise ValidationError(
                "The call has no day rate to cost the days at: set the call's day rate",
                code="no_day_rate",
            )
        lines.append((day, rate, (rate * day.days).quantize(PENNY)))
    amount = sum((cost for _day, _rate, cost in lines), Decimal(0))
    try:
        claim = payments.claim_record_for_payee(
            commitment=commitment,
            actor=actor,
            payee=adviser.organisation,
            amount=amount,
            period_from=period_from,
            period_to=period_to,
            invoice_reference=invoice_reference,
            at=at,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "amount" in error.error_dict:
            # The form asks for days, not pounds: say it by the days.
            raise ValidationError({"days": error.message_dict["amount"]}) from None
        raise
    costing = AdviserCosting.objects.create(
        application=application,
        adviser=adviser,
        claim=claim,
        period_from=period_from,
        period_to=period_to,
        days=days,
        amount=amount,
        note=note.strip(),
        costed_by=as_user(actor),
        costed_at=at,
    )
    AdviserDayCost.objects.bulk_create(
        AdviserDayCost(costing=costing, adviser_day=day, days=day.days, day_rate=rate, amount=cost)
        for day, rate, cost in lines
    )
    return costing


@transaction.atomic
def adviser_costing_update(*, costing: AdviserCosting, note: str, actor: Actor) -> AdviserCosting:
    """Change a costing's note. Its days, period and amount are fixed: a wrong
    costing's claim is sent back and the days costed again."""
    require_officer(actor)
    stored = AdviserCosting.objects.select_for_update().get(pk=costing.pk)
    stored, _ = model_update(instance=stored, fields=["note"], data={"note": note.strip()})
    return stored
