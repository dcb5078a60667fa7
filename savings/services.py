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
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from programmes import audit
from programmes.models import Council, Strand
from programmes.permissions import Actor, as_user, require_council_user, require_officer
from savings.imports import INVESTMENT, ImportPreview
from savings.models import (
    Investment,
    Recurrence,
    ReturnSubmission,
    SavingsEntry,
    SavingsKind,
)
from savings.outbox import Scope, outbox_mark
from savings.years import financial_year_start

INVESTMENT_FIELDS = {"strand", "council", "application", "source", "financial_year", "amount"}
INVESTMENT_FIELDS |= {"description", "awarded_on"}
SAVINGS_FIELDS = {"strand", "council", "application", "financial_year", "kind", "recurrence"}
SAVINGS_FIELDS |= {"amount", "evidence", "document", "reported_on"}
# What a council may change in a line of its return (return_line_rewrite).
LINE_FIELDS = {"financial_year", "kind", "amount", "recurrence", "evidence", "withheld"}


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


def _copy_bid_reference(fact: Investment | SavingsEntry) -> None:
    """The fact's bid's reference onto the fact, for the admin's search
    (docs/savings.md, "A word that matches many bids"): every write that
    sets a fact's bid calls this before saving. The bid is usually the
    instance the caller passed (no query); else one read by its key.
    Called after full_clean(), which refuses a bid that does not exist."""
    bid = fact.application if fact.application_id is not None else None
    fact.bid_reference = bid.reference if bid is not None else ""


@transaction.atomic
def investment_record(
    *,
    strand: Strand,
    council: Council,
    source: str,
    financial_year: str,
    amount: Decimal,
    actor: Actor,
    # A bid (applications.Application), named by the foreign key only: the
    # savings engine never imports the bids layer above it.
    application: Model | None = None,
    description: str = "",
    awarded_on: date | None = None,
) -> Investment:
    """Record money put into a council's work in a strand (an award, an allocation).
    `awarded_on`: when it took effect (the decision, the allocation); today if not given."""
    require_officer(actor)
    investment = Investment(
        strand=strand,
        council=council,
        application_id=application.pk if application is not None else None,
        bid_reference=getattr(application, "reference", ""),
        source=source,
        financial_year=financial_year,
        amount=amount,
        description=description,
        awarded_on=awarded_on or timezone.localdate(),
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
    _copy_bid_reference(investment)
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


def _verification(
    kind: str, verified: bool, actor: Actor, at: datetime | None = None
) -> dict[str, Any]:
    if not verified:
        return {"verified_by": None, "verified_at": None}
    if kind != SavingsKind.REALISED:
        raise ValidationError({"kind": "Only realised savings are verified"})
    return {"verified_by": as_user(actor), "verified_at": at or timezone.now()}


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
    # A bid (applications.Application), named by the foreign key only: the
    # savings engine never imports the bids layer above it.
    application: Model | None = None,
    evidence: str = "",
    document: File | None = None,
    verified: bool = False,
    reported_on: date | None = None,
    verified_at: datetime | None = None,
) -> SavingsEntry:
    """Record a projected, target or realised saving.

    `reported_on` is when it was reported (today if not given) and
    `verified_at` when it was verified (now if not given): the board's
    figures as at a date count it from then (docs/savings.md, "Effective dates").

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
        reported_on=reported_on or timezone.localdate(),
        **_verification(kind, verified, actor, verified_at),
    )


def _entry_record(*, document: File | None, **fields: Any) -> SavingsEntry:
    # Internal: the caller has checked who acts.
    entry = SavingsEntry(**fields)
    if document is not None:
        entry.document = document
    entry.full_clean()
    _copy_bid_reference(entry)
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
    _copy_bid_reference(entry)
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
def savings_entries_verify(
    *, entries: Iterable[SavingsEntry], actor: Actor, at: datetime | None = None
) -> int:
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
    now = at or timezone.now()
    for entry in todo:
        entry.verified_at = now
        entry.verified_by = as_user(actor)
        entry.save(update_fields=["verified_at", "verified_by"])
    if todo:
        outbox_mark([_scope(entry) for entry in todo])
    return len(todo)


@transaction.atomic
def savings_entry_verify(
    *, entry: SavingsEntry, actor: Actor, at: datetime | None = None
) -> SavingsEntry:
    require_officer(actor)
    if entry.kind != SavingsKind.REALISED:
        raise ValidationError("Only realised savings are verified")
    savings_entries_verify(entries=[entry], actor=actor, at=at)
    entry.refresh_from_db()
    return entry


@dataclass(frozen=True)
class Earlier:
    """The form's token was spent by this user before: what it made then."""

    entry: SavingsEntry | None


def submission_claim(
    submission: UUID | None, user, action: str
) -> ReturnSubmission | Earlier | None:
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
        return Earlier(earlier.entry)


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
    line_check(
        kind=SavingsKind.REALISED,
        financial_year=financial_year,
        amount=amount,
        limit=DEFAULT_LINE_LIMIT,
        today=timezone.localdate(),
    )
    if not evidence.strip():
        raise ValidationError({"evidence": "Describe the evidence for these savings"})
    claim = submission_claim(submission, user, "send a return")
    if isinstance(claim, Earlier):
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
# Lines of savings returns. The returns cycle (programmes.returns.services)
# checks who acts and the return's state; the facts' writes and their outbox
# marks are made here, as for every fact.

# The most one line of a return may be when its call sets no limit.
DEFAULT_LINE_LIMIT = Decimal("100000000")


def line_check(
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


def return_line_record(*, document: File | None = None, **fields: Any) -> SavingsEntry:
    """A new line of a savings return (its caller has checked who acts)."""
    return _entry_record(document=document, **fields)


def return_lines_set(lines: Iterable[SavingsEntry], **fields: Any) -> None:
    """Set fields of a return's lines (withheld, verified): the rollups follow."""
    # One save per line (a return has few), so the audit trail records each.
    lines = list(lines)
    for line in lines:
        for name, value in fields.items():
            setattr(line, name, value)
        line.save(update_fields=list(fields))
    if lines:
        outbox_mark([_scope(line) for line in lines])


def return_line_rewrite(
    *, line: SavingsEntry, document: File | None = None, **changes: Any
) -> SavingsEntry:
    """Change a line of a return; its old and new scopes are both recomputed.
    Refuses (FactDeletedError) if it has been deleted meanwhile."""
    old = _stored_scope_or_deleted(SavingsEntry, line.pk)
    # Not its bid, council or strand: those are its return's, so the copy
    # of the bid's reference (_copy_bid_reference) stays true.
    _apply(line, LINE_FIELDS, changes)
    if document is not None:
        line.document = document
    line.full_clean()
    line.save()
    outbox_mark([old, _scope(line)])
    return line


def return_line_delete(*, line: SavingsEntry) -> None:
    """Remove a line of a return (a spent form's token keeps no line)."""
    ReturnSubmission.objects.filter(entry=line).update(entry=None)
    scopes = _delete_locked(SavingsEntry, [line.pk])
    if scopes:
        outbox_mark(scopes)
