"""Writes to investment and savings facts. Keyword-only, one transaction each.

Every function here that changes a fact marks the fact's scope (strand,
council, financial year) in the outbox in the same transaction; an update
that moves a fact to another scope marks both. That is the only way rollups
learn of a change, so views, the admin, imports and other apps (the bids
service records an award's investment through `investment_record`) write
through these functions and nothing else.

Who may write (programmes/permissions.py): every function takes `actor`.
Facts are LGA officers' (`require_officer`; the portal's own actors pass:
the demo, imports, `recompute_rollups`); a council's realised savings return
is its own users' (`savings_return_submit`, `require_council_user`). The
person is stored through `as_user(actor)` in `reported_by` and `verified_by`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from programmes import audit
from programmes.models import Council, Strand
from programmes.permissions import Actor, as_user, require_council_user, require_officer
from savings import schedule
from savings.imports import INVESTMENT, ImportPreview
from savings.models import (
    OPEN_RETURN_STATES,
    SETTLED_STATES,
    Investment,
    Recurrence,
    ReminderStage,
    ReturnReminder,
    ReturnState,
    ReturnSubmission,
    SavingsEntry,
    SavingsKind,
    SavingsReturn,
    Withheld,
)
from savings.outbox import Scope, outbox_mark
from savings.years import financial_year_start

if TYPE_CHECKING:
    from applications.models import Application

INVESTMENT_FIELDS = {"strand", "council", "application", "source", "financial_year", "amount"}
INVESTMENT_FIELDS |= {"description"}
SAVINGS_FIELDS = {"strand", "council", "application", "financial_year", "kind", "recurrence"}
SAVINGS_FIELDS |= {"amount", "evidence", "document"}


def _scope(fact: Investment | SavingsEntry) -> Scope:
    return (fact.strand_id, fact.council_id, fact.financial_year)


def _stored_scope(model: type[Investment | SavingsEntry], pk: int) -> Scope | None:
    # The scope as committed, read under a row lock so that two edits of the
    # same fact cannot both believe they moved it from the same place.
    row = (
        model.objects.select_for_update()
        .filter(pk=pk)
        .values_list("strand_id", "council_id", "financial_year")
        .first()
    )
    return row if row else None


class FactDeletedError(ValidationError):
    """The fact was deleted (by someone else) after the editor loaded it."""


def _stored_scope_or_deleted(model: type[Investment | SavingsEntry], pk: int | None) -> Scope:
    # Without this, save() would find no row to UPDATE and INSERT the old
    # primary key again: an officer's edit, queued behind a colleague's
    # delete, would bring the deleted fact back with the new amount.
    scope = _stored_scope(model, pk) if pk is not None else None
    if scope is None:
        raise FactDeletedError(
            f"This {model._meta.verbose_name} was deleted by another officer while you were "
            "editing it, so your change was not saved. Nothing was brought back",
            code="deleted",
        )
    return scope


def _delete_locked(model: type[Investment | SavingsEntry], pks: list[int]) -> list[Scope]:
    """Delete the facts with these ids, reading each one's scope from the locked
    row, not from the caller's copy: a list loaded a minute ago may show a
    scope that a colleague has since changed, and marking the stale scope would
    leave the deleted amount in the new scope's rollups."""
    rows = list(
        model.objects.select_for_update()
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("pk", "strand_id", "council_id", "financial_year")
    )
    model.objects.filter(pk__in=[row[0] for row in rows]).delete()
    return [row[1:] for row in rows]


def _apply(fact: Investment | SavingsEntry, allowed: set[str], changes: dict[str, Any]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))} here")
    for name, value in changes.items():
        setattr(fact, name, value)


@transaction.atomic
def investment_record(
    *,
    strand: Strand,
    council: Council,
    source: str,
    financial_year: str,
    amount: Decimal,
    actor: Actor,
    application: Application | None = None,
    description: str = "",
) -> Investment:
    """Record money put into a council's work in a strand (an award, an allocation)."""
    require_officer(actor)
    investment = Investment(
        strand=strand,
        council=council,
        application=application,
        source=source,
        financial_year=financial_year,
        amount=amount,
        description=description,
    )
    investment.full_clean()
    investment.save()
    outbox_mark([_scope(investment)])
    return investment


@transaction.atomic
def investment_update(*, investment: Investment, actor: Actor, **changes: Any) -> Investment:
    """Change an investment; its old and new scopes are both recomputed.
    Refuses (FactDeletedError) if the investment has been deleted meanwhile."""
    require_officer(actor)
    old = _stored_scope_or_deleted(Investment, investment.pk)
    _apply(investment, INVESTMENT_FIELDS, changes)
    investment.full_clean()
    investment.save(force_update=True)
    outbox_mark([old, _scope(investment)])
    return investment


@transaction.atomic
def investment_delete(*, investment: Investment, actor: Actor) -> None:
    investments_delete(investments=[investment], actor=actor)


@transaction.atomic
def investments_delete(*, investments: Iterable[Investment], actor: Actor) -> int:
    """Delete several (the admin's bulk delete) in one transaction. Those
    already deleted by someone else are skipped; returns how many went."""
    require_officer(actor)
    scopes = _delete_locked(Investment, [investment.pk for investment in investments])
    if scopes:
        outbox_mark(scopes)
    return len(scopes)


def _verification(kind: str, verified: bool, actor: Actor) -> dict[str, Any]:
    if not verified:
        return {"verified_by": None, "verified_at": None}
    if kind != SavingsKind.REALISED:
        raise ValidationError({"kind": "Only realised savings are verified"})
    return {"verified_by": as_user(actor), "verified_at": timezone.now()}


@transaction.atomic
def savings_entry_record(
    *,
    strand: Strand,
    council: Council,
    financial_year: str,
    kind: str,
    amount: Decimal,
    actor: Actor,
    recurrence: str = Recurrence.ONE_OFF,
    application: Application | None = None,
    evidence: str = "",
    document: File | None = None,
    verified: bool = False,
) -> SavingsEntry:
    """Record a projected, target or realised saving.

    A realised saving counts in the rollups only once verified: pass
    `verified=True` when an officer records one they have checked (the
    Allerdale contracts saving, say), and they are stored as its verifier; a
    council's own return goes through `savings_return_submit` and waits for
    `savings_entry_verify`.
    """
    require_officer(actor)
    return _entry_record(
        strand=strand,
        council=council,
        application=application,
        financial_year=financial_year,
        kind=kind,
        recurrence=recurrence,
        amount=amount,
        evidence=evidence,
        document=document,
        **_verification(kind, verified, actor),
    )


def _entry_record(*, document: File | None, **fields: Any) -> SavingsEntry:
    # Internal: the caller has checked who acts.
    entry = SavingsEntry(**fields)
    if document is not None:
        entry.document = document
    entry.full_clean()
    entry.save()
    outbox_mark([_scope(entry)])
    return entry


@transaction.atomic
def savings_entry_update(*, entry: SavingsEntry, actor: Actor, **changes: Any) -> SavingsEntry:
    """Change a saving; its old and new scopes are both recomputed. A verified
    saving whose amount, year or kind changes needs verifying again. Refuses
    (FactDeletedError) if the saving has been deleted meanwhile."""
    require_officer(actor)
    old = _stored_scope_or_deleted(SavingsEntry, entry.pk)
    stored = SavingsEntry.objects.filter(pk=entry.pk).values("amount", "kind", "financial_year")
    before: Mapping[str, Any] = stored.first() or {}
    _apply(entry, SAVINGS_FIELDS, changes)
    if entry.kind != SavingsKind.REALISED or any(
        before.get(name) != getattr(entry, name) for name in ("amount", "kind", "financial_year")
    ):
        entry.verified_at = None
        entry.verified_by = None
    entry.full_clean()
    entry.save(force_update=True)
    outbox_mark([old, _scope(entry)])
    return entry


@transaction.atomic
def savings_entry_delete(*, entry: SavingsEntry, actor: Actor) -> None:
    savings_entries_delete(entries=[entry], actor=actor)


@transaction.atomic
def savings_entries_delete(*, entries: Iterable[SavingsEntry], actor: Actor) -> int:
    """Delete several (the admin's bulk delete) in one transaction. Those
    already deleted by someone else are skipped; returns how many went."""
    require_officer(actor)
    scopes = _delete_locked(SavingsEntry, [entry.pk for entry in entries])
    if scopes:
        outbox_mark(scopes)
    return len(scopes)


@transaction.atomic
def savings_entries_verify(*, entries: Iterable[SavingsEntry], actor: Actor) -> int:
    """An officer confirms reported realised savings against their evidence.

    Only verified savings count as realised (docs/savings.md); returns how many were
    newly verified. Savings already verified, not realised, or lines of a
    periodic return (verified on the return's page) are left alone.
    """
    require_officer(actor)
    pks = [entry.pk for entry in entries]
    # A line of a periodic return is verified on its return's page
    # (`return_verify`), which knows whether the council has sent it.
    todo = list(
        SavingsEntry.objects.select_for_update().filter(
            pk__in=pks,
            kind=SavingsKind.REALISED,
            verified_at__isnull=True,
            savings_return__isnull=True,
        )
    )
    now = timezone.now()
    for entry in todo:
        entry.verified_at = now
        entry.verified_by = as_user(actor)
        entry.save(update_fields=["verified_at", "verified_by"])
    if todo:
        outbox_mark([_scope(entry) for entry in todo])
    return len(todo)


@transaction.atomic
def savings_entry_verify(*, entry: SavingsEntry, actor: Actor) -> SavingsEntry:
    require_officer(actor)
    if entry.kind != SavingsKind.REALISED:
        raise ValidationError("Only realised savings are verified")
    savings_entries_verify(entries=[entry], actor=actor)
    entry.refresh_from_db()
    return entry


@dataclass(frozen=True)
class _Earlier:
    """The form's token was spent by this user before: what it made then."""

    entry: SavingsEntry | None


def _claim(submission: UUID | None, user, action: str) -> ReturnSubmission | _Earlier | None:
    """Claim a form's one-time token (ReturnSubmission) before anything is
    stored, so a repeat stores nothing; a repeat gets what the first made."""
    if submission is None:
        return None
    # The token is the form's, and only a user sends the form: a system
    # actor has no user to claim it for (the claim's user is required).
    if user is None:
        raise ValidationError("A submission token needs a signed-in user")
    try:
        with transaction.atomic():
            return ReturnSubmission.objects.create(key=submission, user=user)
    except IntegrityError:
        earlier = ReturnSubmission.objects.filter(key=submission, user=user).first()
        if earlier is None:
            raise ValidationError(
                f"This form has already been used. Open the form again to {action}"
            ) from None
        return _Earlier(earlier.entry)


@transaction.atomic
def savings_return_submit(
    *,
    actor: Actor,
    award: Investment,
    financial_year: str,
    amount: Decimal,
    recurrence: str = Recurrence.ONE_OFF,
    evidence: str,
    document: File | None = None,
    submission: UUID | None = None,
) -> SavingsEntry | None:
    """A council reports realised savings from an award; an officer verifies them.

    `award` is one of the council's investments made through an approved bid.
    `submission` is the form's one-time token: sending the same token again
    (a double-click, a replayed POST) returns the first return rather than
    recording a second, or None if an officer has since deleted that return.

    Only the award's council's own users send its returns (an officer records
    savings through `savings_entry_record`).
    """
    require_council_user(actor, award.council_id)
    user = as_user(actor)
    if award.application_id is None:
        raise ValidationError("You can only report savings for your own council's awards")
    _line_check(
        kind=SavingsKind.REALISED,
        financial_year=financial_year,
        amount=amount,
        limit=DEFAULT_LINE_LIMIT,
        today=timezone.localdate(),
    )
    if not evidence.strip():
        raise ValidationError({"evidence": "Describe the evidence for these savings"})
    claim = _claim(submission, user, "send a return")
    if isinstance(claim, _Earlier):
        return claim.entry
    entry = _entry_record(
        strand=award.strand,
        council=award.council,
        application=award.application,
        financial_year=financial_year,
        kind=SavingsKind.REALISED,
        amount=amount,
        recurrence=recurrence,
        evidence=evidence,
        document=document,
        reported_by=as_user(actor),
    )
    if claim is not None:
        claim.entry = entry
        claim.save(update_fields=["entry"])
    return entry


@transaction.atomic
def scopes_mark(*, scopes: Iterable[Scope], actor: Actor) -> int:
    """Mark scopes dirty without changing a fact: `recompute_rollups --strand`."""
    require_officer(actor)
    scopes = list(scopes)
    if scopes:
        outbox_mark(scopes)
    return len(scopes)


@transaction.atomic
def savings_import(*, preview: ImportPreview, actor: Actor) -> int:
    """Write every row of a checked file, or nothing: one transaction for the file.

    `actor` is the officer who uploaded it (stored as the verifier of rows
    marked verified), or `IMPORT` for a file loaded from a shell."""
    require_officer(actor)
    if not preview.ok:
        raise ValidationError("The file has errors, so nothing was imported")
    # The audit trail says these facts came from a file, not a form.
    with audit.through(audit.IMPORT):
        for row in preview.rows:
            if preview.record == INVESTMENT:
                investment_record(**row, actor=actor)
            else:
                fields = {name: value for name, value in row.items() if name != "verified"}
                savings_entry_record(**fields, actor=actor, verified=bool(row["verified"]))
    return len(preview.rows)


# ---------------------------------------------------------------------------
# Savings returns: one per award and reporting period (docs/savings.md, "Returns").

# The most one line of a return may be when its call sets no limit.
DEFAULT_LINE_LIMIT = Decimal("100000000")


def _line_check(
    *,
    kind: str,
    financial_year: str,
    amount: Decimal,
    limit: Decimal,
    today: date,
    years: list[str] | None = None,
    latest_projection: str | None = None,
) -> None:
    """A line's domain rules, each as a message against its field. The form
    has already parsed the amount and the year's shape."""
    errors: dict[str, str] = {}
    try:
        starts = financial_year_start(financial_year)
    except ValidationError as error:
        errors["financial_year"] = error.messages[0]
    else:
        if years is not None and financial_year not in years:
            errors["financial_year"] = (
                f"Enter a financial year this award reports on: {years[0]} to {years[-1]}"
            )
        elif kind == SavingsKind.REALISED and starts > today:
            errors["financial_year"] = (
                f"Savings cannot be realised in {financial_year} yet: it starts on "
                f"{starts:%-d %B %Y}. Report them as projected"
            )
        elif (
            kind == SavingsKind.PROJECTED
            and latest_projection is not None
            and financial_year > latest_projection
        ):
            errors["financial_year"] = (
                f"Projections can go up to {latest_projection} for this call, not {financial_year}"
            )
    if amount is None or amount <= 0:
        errors["amount"] = "Enter an amount more than £0"
    elif amount > limit:
        errors["amount"] = f"Enter an amount of £{limit:,.2f} or less for one line"
    if errors:
        raise ValidationError(errors)


def _line_rules(savings_return: SavingsReturn, today: date) -> dict[str, Any]:
    call = savings_return.application.call
    awarded = schedule.award_date(savings_return.application) or savings_return.period_start
    return {
        "limit": call.return_line_limit or DEFAULT_LINE_LIMIT,
        "today": today,
        "years": schedule.reporting_years(call, awarded),
        "latest_projection": schedule.latest_projection_year(call, today),
    }


def _return_line_check(
    savings_return: SavingsReturn, kind: str, financial_year: str, amount: Decimal, evidence: str
) -> None:
    """What a line of a return must be, added or changed: realised or
    projected, within the call's rules (`_line_check`), with its evidence."""
    if kind not in (SavingsKind.REALISED, SavingsKind.PROJECTED):
        raise ValidationError({"kind": "Select whether the saving is realised or projected"})
    _line_check(
        kind=kind,
        financial_year=financial_year,
        amount=amount,
        **_line_rules(savings_return, timezone.localdate()),
    )
    if not evidence.strip():
        raise ValidationError({"evidence": "Describe the evidence for this saving"})


def _return_notify(
    savings_return: SavingsReturn, audience: str, subject: str, message: str, reason: str = ""
) -> int:
    from applications import emails

    application = savings_return.application
    body = render_to_string(
        "savings/emails/return_notice.txt",
        {
            "savings_return": savings_return,
            "application": application,
            "audience": audience,
            "message": message,
            "reason": reason,
            "service_name": settings.SERVICE_NAME,
        },
    )
    return len(
        emails.notices_record(
            application=application, audience=audience, subject=subject, body=body
        )
    )


def _locked_return(savings_return: SavingsReturn) -> SavingsReturn:
    locked = (
        SavingsReturn.objects.select_for_update()
        .select_related("application__call__strand", "application__lead_council")
        .get(pk=savings_return.pk)
    )
    return locked


def _require_state(savings_return: SavingsReturn, states: Iterable[str], action: str) -> None:
    if savings_return.state not in states:
        raise ValidationError(
            f"This return is {savings_return.get_state_display().lower()}, so you cannot {action}",
            code="return_state",
        )


def _lines_set(lines: Iterable[SavingsEntry], **fields: Any) -> None:
    # One save per line (a return has few), so the audit trail records each.
    lines = list(lines)
    for line in lines:
        for name, value in fields.items():
            setattr(line, name, value)
        line.save(update_fields=list(fields))
    if lines:
        outbox_mark([_scope(line) for line in lines])


@transaction.atomic
def returns_generate(*, actor: Actor, application: Application | None = None) -> int:
    """Make the returns an award's call schedules (one award, or every approved
    award of a call with a schedule); those that exist are left alone.
    Idempotent: the approval, the daily task and `generate_returns` call it."""
    from applications.models import Application, ApplicationState

    require_officer(actor)
    if application is not None:
        awards = [application]
    else:
        awards = list(
            Application.objects.filter(state=ApplicationState.APPROVED)
            .exclude(call__return_frequency="")
            .select_related("call")
        )
    made = 0
    for award in awards:
        awarded = schedule.award_date(award)
        if award.state != ApplicationState.APPROVED or awarded is None:
            continue
        have = set(award.savings_returns.values_list("period_start", flat=True))
        new = [
            SavingsReturn(
                application=award,
                reference=f"RET-{award.reference}-{period.number}",
                period_start=period.start,
                period_end=period.end,
                due_on=period.due_on,
            )
            for period in schedule.periods(award.call, awarded)
            if period.start not in have
        ]
        SavingsReturn.objects.bulk_create(new, ignore_conflicts=True)
        made += len(new)
    return made


@transaction.atomic
def return_line_add(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    financial_year: str,
    kind: str,
    amount: Decimal,
    evidence: str,
    recurrence: str = Recurrence.ONE_OFF,
    document: File | None = None,
    submission: UUID | None = None,
) -> SavingsEntry | None:
    """Add a line to a return the council has not sent (a draft: it counts
    nowhere until sent). `submission` is the form's one-time token, as for
    `savings_return_submit`: the same form sent twice adds one line."""
    require_council_user(actor, savings_return.application.lead_council_id)
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, OPEN_RETURN_STATES, "add to it")
    _return_line_check(savings_return, kind, financial_year, amount, evidence)
    user = as_user(actor)
    claim = _claim(submission, user, "add a line") if user is not None else None
    if isinstance(claim, _Earlier):
        return claim.entry
    application = savings_return.application
    line = _entry_record(
        strand=application.call.strand,
        council=application.lead_council,
        application=application,
        savings_return=savings_return,
        withheld=Withheld.DRAFT,
        financial_year=financial_year,
        kind=kind,
        amount=amount,
        recurrence=recurrence,
        evidence=evidence,
        document=document,
        reported_by=user,
    )
    if claim is not None:
        claim.entry = line
        claim.save(update_fields=["entry"])
    return line


def _open_line(line: SavingsEntry, action: str) -> SavingsReturn:
    if line.savings_return_id is None:
        raise ValidationError("This saving is not part of a return")
    savings_return = _locked_return(line.savings_return)  # type: ignore[arg-type]
    _require_state(savings_return, OPEN_RETURN_STATES, action)
    if SavingsEntry.objects.filter(pk=line.pk, verified_at__isnull=False).exists():
        raise ValidationError("This line has been verified, so it cannot change", code="verified")
    return savings_return


@transaction.atomic
def return_line_change(
    *,
    actor: Actor,
    line: SavingsEntry,
    financial_year: str,
    kind: str,
    amount: Decimal,
    evidence: str,
    recurrence: str = Recurrence.ONE_OFF,
    document: File | None = None,
) -> SavingsEntry:
    """Change a line of a return not yet sent (or sent back); it is a draft again."""
    require_council_user(actor, line.council_id)
    savings_return = _open_line(line, "change it")
    _return_line_check(savings_return, kind, financial_year, amount, evidence)
    old = _stored_scope_or_deleted(SavingsEntry, line.pk)
    line.financial_year = financial_year
    line.kind = kind
    line.amount = amount
    line.recurrence = recurrence
    line.evidence = evidence
    if document is not None:
        line.document = document
    line.withheld = Withheld.DRAFT
    line.full_clean()
    line.save()
    outbox_mark([old, _scope(line)])
    return line


@transaction.atomic
def return_line_remove(*, actor: Actor, line: SavingsEntry) -> None:
    """Remove a line of a return not yet sent (or sent back)."""
    require_council_user(actor, line.council_id)
    _open_line(line, "remove it")
    ReturnSubmission.objects.filter(entry=line).update(entry=None)
    scopes = _delete_locked(SavingsEntry, [line.pk])
    if scopes:
        outbox_mark(scopes)


@transaction.atomic
def return_submit(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    declaration_name: str,
    confirmed: bool,
    notify: bool = True,
) -> SavingsReturn:
    """The council sends its return, declaring it true: its draft lines count
    (realised ones apart until verified) and officers are emailed.

    Sending a return already sent does nothing more (two tabs, a replayed
    POST): the row lock makes a second sending wait and then find it sent."""
    require_council_user(actor, savings_return.application.lead_council_id)
    savings_return = _locked_return(savings_return)
    if savings_return.state == ReturnState.SUBMITTED:
        return savings_return
    _require_state(savings_return, OPEN_RETURN_STATES, "send it")
    errors = {}
    if not declaration_name.strip():
        errors["declaration_name"] = "Enter your full name"
    if not confirmed:
        errors["confirmed"] = "Confirm that the return is correct to the best of your knowledge"
    if errors:
        raise ValidationError(errors)
    _lines_set(
        savings_return.lines.select_for_update()
        .filter(verified_at__isnull=True)
        .exclude(withheld=""),
        withheld="",
    )
    savings_return.state = ReturnState.SUBMITTED
    savings_return.submitted_by = as_user(actor)
    savings_return.submitted_at = timezone.now()
    savings_return.declaration_name = declaration_name.strip()[:200]
    savings_return.declaration_confirmed = True
    savings_return.save()
    if notify:
        _return_notify(
            savings_return,
            "officers",
            f"{savings_return.reference}: a savings return has arrived",
            f"{savings_return.application.lead_council.name} has sent its savings return.",
        )
    return savings_return


def _council_takes_back(savings_return: SavingsReturn, state: str, withheld: str) -> SavingsReturn:
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, [ReturnState.SUBMITTED], "take it back")
    _lines_set(
        savings_return.lines.select_for_update().filter(verified_at__isnull=True), withheld=withheld
    )
    savings_return.state = state
    savings_return.declaration_confirmed = False
    savings_return.save()
    return savings_return


@transaction.atomic
def return_reopen(*, actor: Actor, savings_return: SavingsReturn) -> SavingsReturn:
    """The council corrects a sent return before an officer decides on it:
    it is a draft again (its lines count nowhere) until sent again."""
    require_council_user(actor, savings_return.application.lead_council_id)
    return _council_takes_back(savings_return, ReturnState.DUE, Withheld.DRAFT)


@transaction.atomic
def return_withdraw(*, actor: Actor, savings_return: SavingsReturn) -> SavingsReturn:
    """The council withdraws a sent return before an officer decides on it.
    Its lines are kept and count nowhere; the period is owed again."""
    require_council_user(actor, savings_return.application.lead_council_id)
    return _council_takes_back(savings_return, ReturnState.WITHDRAWN, Withheld.WITHDRAWN)


@transaction.atomic
def return_verify(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    lines: Iterable[SavingsEntry] | None = None,
    reason: str = "",
    notify: bool = True,
) -> SavingsReturn:
    """An officer verifies a sent return: every line, or the chosen `lines`
    (the others are sent back with `reason`, which the council sees)."""
    require_officer(actor)
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, [ReturnState.SUBMITTED], "verify it")
    pending = list(savings_return.lines.select_for_update().filter(verified_at__isnull=True))
    chosen = {line.pk for line in lines} if lines is not None else {line.pk for line in pending}
    verify = [line for line in pending if line.pk in chosen]
    rest = [line for line in pending if line.pk not in chosen]
    if lines is not None and not verify:
        raise ValidationError("Choose the lines to verify", code="none_chosen")
    if rest and not reason.strip():
        raise ValidationError(
            {"reason": "Say why the lines not verified are sent back: the council sees this"}
        )
    now = timezone.now()
    _lines_set(verify, verified_at=now, verified_by=as_user(actor), withheld="")
    _lines_set(rest, withheld=Withheld.SENT_BACK)
    savings_return.state = ReturnState.PARTLY_VERIFIED if rest else ReturnState.VERIFIED
    savings_return.sent_back_reason = reason.strip() if rest else ""
    savings_return.decided_by = as_user(actor)
    savings_return.decided_at = now
    savings_return.save()
    message = (
        f"{len(verify)} of {len(pending)} lines of your return were verified; the others were "
        "sent back for you to correct and send again."
        if rest
        else "Your savings return has been verified."
    )
    if notify:
        _return_notify(
            savings_return,
            "council",
            f"{savings_return.reference}: your savings return",
            message,
            savings_return.sent_back_reason,
        )
    return savings_return


@transaction.atomic
def return_send_back(
    *, actor: Actor, savings_return: SavingsReturn, reason: str, notify: bool = True
) -> SavingsReturn:
    """An officer sends a return back with a reason the council sees; its
    lines not yet verified count nowhere until it is corrected and sent again."""
    require_officer(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the return is sent back: the council sees this"})
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, [ReturnState.SUBMITTED], "send it back")
    _lines_set(
        savings_return.lines.select_for_update().filter(verified_at__isnull=True),
        withheld=Withheld.SENT_BACK,
    )
    savings_return.state = ReturnState.SENT_BACK
    savings_return.sent_back_reason = reason.strip()
    savings_return.decided_by = as_user(actor)
    savings_return.decided_at = timezone.now()
    savings_return.save()
    if notify:
        _return_notify(
            savings_return,
            "council",
            f"{savings_return.reference}: your return was sent back",
            "An LGA officer has sent your savings return back. Correct it and send it again.",
            savings_return.sent_back_reason,
        )
    return savings_return


@transaction.atomic
def return_extend(
    *, actor: Actor, savings_return: SavingsReturn, until: date, reason: str
) -> SavingsReturn:
    """An officer gives a later due date, with a reason; the original is kept.
    Reminders and overdue notices follow the new date (once per stage)."""
    require_officer(actor)
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why the due date is extended"
    savings_return = _locked_return(savings_return)
    if until is None or until <= savings_return.due_date:
        errors["until"] = (
            f"Enter a date after the current due date, {savings_return.due_date:%-d %B %Y}"
        )
    if errors:
        raise ValidationError(errors)
    _require_state(savings_return, OPEN_RETURN_STATES, "extend it")
    savings_return.extended_to = until
    savings_return.extension_reason = reason.strip()
    savings_return.save(update_fields=["extended_to", "extension_reason"])
    return savings_return


@transaction.atomic
def return_waive(*, actor: Actor, savings_return: SavingsReturn, reason: str) -> SavingsReturn:
    """An officer waives a return not yet sent: nothing is owed for its period."""
    require_officer(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the return is waived"})
    savings_return = _locked_return(savings_return)
    _require_state(
        savings_return,
        [ReturnState.DUE, ReturnState.SENT_BACK, ReturnState.WITHDRAWN],
        "waive it",
    )
    savings_return.state = ReturnState.WAIVED
    savings_return.waived_reason = reason.strip()
    savings_return.decided_by = as_user(actor)
    savings_return.decided_at = timezone.now()
    savings_return.save()
    return savings_return


@dataclass(frozen=True)
class ReminderSent:
    savings_return: SavingsReturn
    stage: str
    recipients: int


def _reminders_due(today: date) -> list[tuple[SavingsReturn, str]]:
    """(return, stage) pairs whose notice is due today and not yet sent."""
    from datetime import timedelta

    from django.db.models import Exists, OuterRef

    unsettled = SavingsReturn.objects.exclude(state__in=SETTLED_STATES).select_related(
        "application__call", "application__lead_council"
    )
    found: list[tuple[SavingsReturn, str]] = []
    for stage in (ReminderStage.REMINDER, ReminderStage.OVERDUE):
        sent = ReturnReminder.objects.filter(savings_return=OuterRef("pk"), stage=stage)
        # The call's days are per call: a coarse filter in SQL (within a
        # year of today), the exact one here.
        window = unsettled.annotate(sent=Exists(sent)).filter(sent=False)
        window = window.filter(due_on__lte=today + timedelta(days=366))
        for savings_return in window.order_by("pk"):
            call = savings_return.application.call
            due = savings_return.due_date
            if stage == ReminderStage.REMINDER:
                if due - timedelta(days=call.reminder_days_before) <= today <= due:
                    found.append((savings_return, stage))
            elif today >= due + timedelta(days=call.overdue_days_after):
                found.append((savings_return, stage))
    return found


@transaction.atomic
def return_reminders_send(
    *, actor: Actor, today: date | None = None, dry_run: bool = False
) -> list[ReminderSent]:
    """Send the reminders and overdue notices due today, each at most once
    per return and stage (ReturnReminder, written with its notices).
    The daily beat task and `send_return_reminders` both run this."""
    require_officer(actor)
    today = today or timezone.localdate()
    sent: list[ReminderSent] = []
    from applications.emails import COUNCIL, recipients

    for savings_return, stage in _reminders_due(today):
        # A council with nobody to tell yet is not marked as told: its
        # notice goes once it has a user.
        count = len(recipients(savings_return.application, COUNCIL))
        if not count:
            continue
        if dry_run:
            sent.append(ReminderSent(savings_return, stage, count))
            continue
        with transaction.atomic():
            try:
                reminder = ReturnReminder.objects.create(
                    savings_return=savings_return, stage=stage, sent_at=timezone.now()
                )
            except IntegrityError:
                continue  # another run sent it meanwhile
            due = savings_return.due_date
            if stage == ReminderStage.REMINDER:
                subject = f"{savings_return.reference}: your savings return is due {due:%-d %B %Y}"
                message = f"Your council's savings return is due by {due:%-d %B %Y}."
            else:
                subject = f"{savings_return.reference}: your savings return is overdue"
                message = (
                    f"Your council's savings return was due on {due:%-d %B %Y} and is overdue."
                )
            count = _return_notify(savings_return, "council", subject, message)
            reminder.recipients = count
            reminder.save(update_fields=["recipients"])
            sent.append(ReminderSent(savings_return, stage, count))
    return sent
