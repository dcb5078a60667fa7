"""Writes for the Growth Advisers panel: advisers, matches and adviser days.

Keyword-only, one transaction each. Board paper paras 15-18.

Who may act (programmes/permissions.py): LGA officers only, for every write
here (`require_officer`); `actor` is required and stored through `as_user`.
`adviser_days_used` is a read, not a write, and takes no actor.
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
from programmes.growth.models import SUPPORT_AREAS, Adviser, AdviserDay, AdviserMatch
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
        description=description,
        logged_by=as_user(actor),
    )
    day.full_clean()
    day.save()
    return day


@transaction.atomic
def adviser_day_delete(*, day: AdviserDay, actor: Actor) -> None:
    require_officer(actor)
    day.delete()


def adviser_days_used(*, application: Application) -> Decimal:
    total = AdviserDay.objects.filter(application=application).aggregate(total=Sum("days"))
    return total["total"] or Decimal(0)
