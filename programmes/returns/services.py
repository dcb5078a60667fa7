"""The savings returns cycle: one return per award and reporting period
(docs/savings.md, "The reporting cycle"). Keyword-only, one transaction each.

A return's lines are savings facts: they are written through the savings
engine (savings.services, which marks the outbox so the rollups follow);
who may act and what state a return must be in are checked here. Councils'
users add lines and send; officers verify, send back, extend and waive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from applications import emails
from applications.emails import COUNCIL, recipients
from applications.models import Application, ApplicationState, PartnerStatus
from applications.services import award_councils
from programmes.models import Council, User
from programmes.notices import services as notices
from programmes.permissions import (
    Actor,
    as_user,
    require_council_user,
    require_finance_officer,
    require_officer,
)
from programmes.returns import schedule, selectors
from programmes.returns.models import (
    CORRECTABLE_STATES,
    EXTENDABLE_STATES,
    OPEN_RETURN_STATES,
    SETTLED_STATES,
    WAIVABLE_STATES,
    ReminderStage,
    ReturnReminder,
    ReturnState,
    SavingsReturn,
)
from savings import services as facts
from savings.models import Recurrence, SavingsEntry, SavingsKind, Withheld


def _line_rules(savings_return: SavingsReturn, today: date) -> dict[str, Any]:
    call = savings_return.application.call
    awarded = schedule.award_date(savings_return.application) or savings_return.period_start
    return {
        "limit": call.return_line_limit or facts.DEFAULT_LINE_LIMIT,
        "today": today,
        "years": schedule.reporting_years(call, awarded),
        "latest_projection": schedule.latest_projection_year(call, today),
    }


def _return_line_check(
    savings_return: SavingsReturn, kind: str, financial_year: str, amount: Decimal, evidence: str
) -> None:
    """What a line of a return must be, added or changed: realised or
    projected, within the call's rules (`savings.services.line_check`), with
    its evidence."""
    if kind not in (SavingsKind.REALISED, SavingsKind.PROJECTED):
        raise ValidationError({"kind": "Select whether the saving is realised or projected"})
    facts.line_check(
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
    application = savings_return.application
    if audience == COUNCIL and savings_return.council_id != application.lead_council_id:
        # A partner's return: to the partner council's people, not the lead's.
        people = User.objects.filter(council_id=savings_return.council_id, is_active=True)
        return _people_notify(savings_return, people, audience, subject, message, reason)
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


# Notices about certification go to named people of the council, not to the
# whole council: its finance officers, and back to the return's preparer.
FINANCE_OFFICERS = "finance officers"
PREPARER = "preparer"


def _people_notify(
    savings_return: SavingsReturn,
    people: Iterable[User],
    audience: str,
    subject: str,
    message: str,
    reason: str = "",
) -> int:
    body = render_to_string(
        "savings/emails/return_notice.txt",
        {
            "savings_return": savings_return,
            "application": savings_return.application,
            "audience": audience,
            "message": message,
            "reason": reason,
            "service_name": settings.SERVICE_NAME,
        },
    )
    return len(
        notices.notices_record(
            recipients=[person.email for person in people],
            subject=subject,
            body=body,
            audience=audience,
            application=savings_return.application,
        )
    )


def _locked_return(savings_return: SavingsReturn) -> SavingsReturn:
    locked = (
        SavingsReturn.objects.select_for_update()
        .select_related("application__call__strand", "application__lead_council", "council")
        .get(pk=savings_return.pk)
    )
    return locked


def _require_state(savings_return: SavingsReturn, states: Iterable[str], action: str) -> None:
    if savings_return.state not in states:
        raise ValidationError(
            f"This return is {savings_return.get_state_display().lower()}, so you cannot {action}",
            code="return_state",
        )


def _return_reference(award: Application, council: Council, number: int) -> str:
    """RET-<bid>-<period> for the lead council's return (as before awards were
    shared); a partner's carries its council's number after it."""
    if council.pk == award.lead_council_id:
        return f"RET-{award.reference}-{number}"
    return f"RET-{award.reference}-{number}-C{council.pk}"


@transaction.atomic
def returns_generate(*, actor: Actor, application: Application | None = None) -> int:
    """Make the returns an award's call schedules (one award, or every approved
    award of a call with a schedule), one per period for every council the
    award serves that reports on it (`award_councils`: the lead and the
    partners that confirmed; a partner confirmed later gets its returns at
    the next run); those that exist are left alone.
    Idempotent: the approval, the daily task and `generate_returns` call it."""

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
        have = set(award.savings_returns.values_list("council_id", "period_start"))
        # The lead, and each partner once it has confirmed it takes part: a
        # partner yet to answer cannot read the award (docs/savings.md,
        # "Shared awards"); the daily run makes its returns once it confirms.
        confirmed = set(
            award.partner_confirmations.filter(status=PartnerStatus.CONFIRMED).values_list(
                "council_id", flat=True
            )
        )
        councils = [
            council
            for council in award_councils(award)
            if council.pk == award.lead_council_id or council.pk in confirmed
        ]
        new = [
            SavingsReturn(
                application=award,
                council=council,
                reference=_return_reference(award, council, period.number),
                period_start=period.start,
                period_end=period.end,
                due_on=period.due_on,
            )
            for council in councils
            for period in schedule.periods(award.call, awarded)
            if (council.pk, period.start) not in have
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
    require_council_user(actor, savings_return.council_id)
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, OPEN_RETURN_STATES, "add to it")
    _return_line_check(savings_return, kind, financial_year, amount, evidence)
    user = as_user(actor)
    claim = facts.submission_claim(submission, user, "add a line") if user is not None else None
    if isinstance(claim, facts.Earlier):
        return claim.entry
    application = savings_return.application
    line = facts.return_line_record(
        strand=application.call.strand,
        council=savings_return.council,
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
    return facts.return_line_rewrite(
        line=line,
        document=document,
        financial_year=financial_year,
        kind=kind,
        amount=amount,
        recurrence=recurrence,
        evidence=evidence,
        withheld=Withheld.DRAFT,
    )


@transaction.atomic
def return_line_remove(*, actor: Actor, line: SavingsEntry) -> None:
    """Remove a line of a return not yet sent (or sent back)."""
    require_council_user(actor, line.council_id)
    _open_line(line, "remove it")
    facts.return_line_delete(line=line)


@transaction.atomic
def return_submit(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    declaration_name: str,
    confirmed: bool,
    notify: bool = True,
    at: datetime | None = None,
) -> SavingsReturn:
    """The council sends its return, declaring it true: its draft lines count
    (realised ones apart until verified), reported on the day it is sent
    (`at`, now by default: the demo's 2013 returns), and officers are emailed.

    Sending a return already sent does nothing more (two tabs, a replayed
    POST): the row lock makes a second sending wait and then find it sent."""
    require_council_user(actor, savings_return.council_id)
    savings_return = _locked_return(savings_return)
    if savings_return.state in CORRECTABLE_STATES:
        return savings_return
    _require_state(savings_return, OPEN_RETURN_STATES, "send it")
    errors = {}
    if not declaration_name.strip():
        errors["declaration_name"] = "Enter your full name"
    if not confirmed:
        errors["confirmed"] = "Confirm that the return is correct to the best of your knowledge"
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    savings_return.prepared_by = as_user(actor)
    savings_return.prepared_at = now
    savings_return.certified_by = None
    savings_return.certified_at = None
    savings_return.declaration_name = declaration_name.strip()[:200]
    savings_return.declaration_confirmed = True
    if savings_return.application.call.returns_need_certification:
        # To the council's finance officer first: its lines stay withheld
        # (counted nowhere) and the LGA has not received it until certified.
        savings_return.state = ReturnState.AWAITING_CERTIFICATION
        savings_return.save()
        if notify:
            council = savings_return.council
            _people_notify(
                savings_return,
                selectors.finance_officers(council.pk, besides=savings_return.prepared_by_id),
                FINANCE_OFFICERS,
                f"{savings_return.reference}: a savings return awaits your certification",
                f"{savings_return.declaration_name} has prepared {council.name}'s savings "
                "return. Check it and certify it, or send it back with a reason.",
            )
        return savings_return
    return _to_the_lga(savings_return, actor, now, notify)


def _to_the_lga(
    savings_return: SavingsReturn, actor: Actor, now: datetime, notify: bool
) -> SavingsReturn:
    """The return reaches the LGA (sent, or certified): its lines count
    (realised ones apart until verified) and officers are emailed."""
    facts.return_lines_set(
        savings_return.lines.select_for_update()
        .filter(verified_at__isnull=True)
        .exclude(withheld=""),
        withheld="",
        reported_on=timezone.localdate(now),
    )
    savings_return.state = ReturnState.SUBMITTED
    savings_return.submitted_by = as_user(actor)
    savings_return.submitted_at = now
    savings_return.save()
    if notify:
        _return_notify(
            savings_return,
            "officers",
            f"{savings_return.reference}: a savings return has arrived",
            f"{savings_return.council.name} has sent its savings return.",
        )
    return savings_return


def _require_not_preparer(savings_return: SavingsReturn, actor: Actor) -> None:
    user = as_user(actor)
    if user is not None and savings_return.prepared_by_id == user.pk:
        raise ValidationError(
            "You prepared this return, so another of your council's finance officers must "
            "certify it or send it back",
            code="own_return",
        )


@transaction.atomic
def return_certify(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    confirmed: bool,
    notify: bool = True,
    at: datetime | None = None,
) -> SavingsReturn:
    """The council's finance officer certifies a return awaiting it: it
    reaches the LGA (officers are emailed, its lines count, reported on the
    day: `at`, now by default) and its preparer is told. Never the preparer
    (separation of duties). Certifying a return already certified does
    nothing more (two tabs, a replayed POST)."""
    require_finance_officer(actor, savings_return.council_id)
    savings_return = _locked_return(savings_return)
    if savings_return.state == ReturnState.SUBMITTED and savings_return.certified_at:
        return savings_return
    _require_state(savings_return, [ReturnState.AWAITING_CERTIFICATION], "certify it")
    _require_not_preparer(savings_return, actor)
    if not confirmed:
        raise ValidationError(
            {
                "confirmed": "Confirm that you certify the return as your council's chief "
                "finance officer"
            }
        )
    now = at or timezone.now()
    savings_return.certified_by = as_user(actor)
    savings_return.certified_at = now
    savings_return.not_certified_reason = ""
    savings_return = _to_the_lga(savings_return, actor, now, notify)
    if notify and savings_return.prepared_by is not None:
        _people_notify(
            savings_return,
            [savings_return.prepared_by],
            PREPARER,
            f"{savings_return.reference}: your savings return has been certified",
            "Your council's finance officer has certified the savings return you prepared. "
            "It has been sent to the LGA.",
        )
    return savings_return


@transaction.atomic
def return_send_back_to_preparer(
    *, actor: Actor, savings_return: SavingsReturn, reason: str, notify: bool = True
) -> SavingsReturn:
    """The council's finance officer does not certify a return and sends it
    back to its preparer with a reason they see; they correct it and send
    it again. Its lines stay withheld. Sending back a return already sent
    back does nothing more."""
    require_finance_officer(actor, savings_return.council_id)
    if not reason.strip():
        raise ValidationError(
            {
                "reason": "Say why you are sending the return back: the person who prepared it "
                "sees this"
            }
        )
    savings_return = _locked_return(savings_return)
    if savings_return.state == ReturnState.NOT_CERTIFIED:
        return savings_return
    _require_state(savings_return, [ReturnState.AWAITING_CERTIFICATION], "send it back")
    _require_not_preparer(savings_return, actor)
    savings_return.state = ReturnState.NOT_CERTIFIED
    savings_return.not_certified_reason = reason.strip()
    savings_return.declaration_confirmed = False
    savings_return.save()
    if notify and savings_return.prepared_by is not None:
        _people_notify(
            savings_return,
            [savings_return.prepared_by],
            PREPARER,
            f"{savings_return.reference}: your finance officer sent your return back",
            "Your council's finance officer has not certified the savings return you "
            "prepared. Correct it and send it again.",
            savings_return.not_certified_reason,
        )
    return savings_return


def _council_takes_back(savings_return: SavingsReturn, state: str, withheld: str) -> SavingsReturn:
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, CORRECTABLE_STATES, "take it back")
    facts.return_lines_set(
        savings_return.lines.select_for_update().filter(verified_at__isnull=True), withheld=withheld
    )
    savings_return.state = state
    savings_return.declaration_confirmed = False
    savings_return.certified_by = None
    savings_return.certified_at = None
    savings_return.save()
    return savings_return


@transaction.atomic
def return_reopen(*, actor: Actor, savings_return: SavingsReturn) -> SavingsReturn:
    """The council corrects a sent return before an officer (or, while it
    awaits certification, its finance officer) decides on it: it is a draft
    again (its lines count nowhere) until sent again."""
    require_council_user(actor, savings_return.council_id)
    return _council_takes_back(savings_return, ReturnState.DUE, Withheld.DRAFT)


@transaction.atomic
def return_withdraw(*, actor: Actor, savings_return: SavingsReturn) -> SavingsReturn:
    """The council withdraws a sent return before an officer decides on it.
    Its lines are kept and count nowhere; the period is owed again."""
    require_council_user(actor, savings_return.council_id)
    return _council_takes_back(savings_return, ReturnState.WITHDRAWN, Withheld.WITHDRAWN)


@transaction.atomic
def return_verify(
    *,
    actor: Actor,
    savings_return: SavingsReturn,
    lines: Iterable[SavingsEntry] | None = None,
    reason: str = "",
    notify: bool = True,
    at: datetime | None = None,
) -> SavingsReturn:
    """An officer verifies a sent return: every line, or the chosen `lines`
    (the others are sent back with `reason`, which the council sees), on
    `at` (now by default: the demo's 2013 verifications)."""
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
    now = at or timezone.now()
    facts.return_lines_set(verify, verified_at=now, verified_by=as_user(actor), withheld="")
    facts.return_lines_set(rest, withheld=Withheld.SENT_BACK)
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
    facts.return_lines_set(
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
    _require_state(savings_return, EXTENDABLE_STATES, "extend it")
    savings_return.extended_to = until
    savings_return.extension_reason = reason.strip()
    savings_return.extended_at = timezone.now()
    savings_return.save(update_fields=["extended_to", "extension_reason", "extended_at"])
    return savings_return


@transaction.atomic
def return_waive(*, actor: Actor, savings_return: SavingsReturn, reason: str) -> SavingsReturn:
    """An officer waives a return not yet sent: nothing is owed for its period."""
    require_officer(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the return is waived"})
    savings_return = _locked_return(savings_return)
    _require_state(savings_return, WAIVABLE_STATES, "waive it")
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
    unsettled = SavingsReturn.objects.exclude(state__in=SETTLED_STATES).select_related(
        "application__call", "application__lead_council", "council"
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
    for savings_return, stage in _reminders_due(today):
        # A council with nobody to tell yet is not marked as told: its
        # notice goes once it has a user.
        if savings_return.council_id == savings_return.application.lead_council_id:
            count = len(recipients(savings_return.application, COUNCIL))
        else:
            count = User.objects.filter(
                council_id=savings_return.council_id, is_active=True
            ).count()
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
            if savings_return.is_awaiting_certification:
                # Sent by its preparer, but the LGA has not received it yet.
                message += (
                    " It is waiting for your council's finance officer to certify it "
                    "before it is sent to the LGA."
                )
            count = _return_notify(savings_return, "council", subject, message)
            reminder.recipients = count
            reminder.save(update_fields=["recipients"])
            sent.append(ReminderSent(savings_return, stage, count))
    return sent
