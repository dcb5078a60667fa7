"""The Productivity Experts programme as the 2013 board paper reports it (paras 6-9).

"Seven expert appointments, covering 10 councils, have been assessed: for an
LGA investment of £46,000, potential estimated projected savings of
£25,615,000 have been identified" (para 8). Three appointments are the
paper's own case studies (8.1-8.3); the paper does not describe the other
four, so they are marked illustrative, with councils, awards and projections
apportioned so that the totals match the paper. The 10 councils: the paper
names only the case studies' three, each alone; the illustrative four are
led by councils the paper names elsewhere, three with a partner it also
names (Hertfordshire with Essex, Hackney with Camden, Sheffield with Leeds),
so that seven appointments serve ten councils. Each partner has its share
of the award (equal, but Sheffield's and Leeds', which an officer changed;
docs/board.md, "Councils served and shares").

Every figure goes in through the services, as an officer's work would: each
appointment is a bid created, submitted, assessed and approved with its award
(which records the investment), then its projected, target and realised
savings are recorded against that award. Nothing is written to rollups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from applications import services as bids
from applications.demo import (
    EXPERTS_CALL,
    EXPERTS_REPORTING,
    demo_assessors,
    demo_decider,
    demo_lead,
    demo_reviews,
)
from applications.models import Application, ApplicationState, Call
from programmes.demo import DemoContext
from programmes.experts import services as experts
from programmes.experts.models import Appointment as AppointmentRecord
from programmes.experts.models import CaseStudy
from programmes.models import Council, Strand, User
from programmes.permissions import DEMO, SystemActor
from programmes.returns import selectors as return_selectors
from programmes.returns import services as return_services
from programmes.returns.models import ReturnState, SavingsReturn
from savings.models import Recurrence, SavingsKind
from savings.services import savings_entry_record

LONDON = ZoneInfo("Europe/London")
EARLIER_CALL = "Productivity Experts 2012/13"
# The summary of the appointments the paper does not describe: the council
# reads it on its bid, so it says what the bid is, not where the demo got it
# (their titles say "(illustrative)").
ILLUSTRATIVE = "An expert to review the service and set out the savings it could make."


@dataclass(frozen=True)
class Saving:
    kind: str
    year: str
    amount: str
    recurrence: str = Recurrence.ONE_OFF
    evidence: str = ""


@dataclass(frozen=True)
class Appointment:
    lead: str
    partners: tuple[str, ...]
    title: str
    summary: str
    expertise: str
    role: str
    award: str
    approved: datetime
    target: str
    savings: tuple[Saving, ...]
    illustrative: bool = False
    # Each council's share of the award where an officer changed the equal
    # split the approval makes (short name, pounds).
    shares: tuple[tuple[str, str], ...] = ()


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=LONDON)


APPOINTMENTS = (
    Appointment(
        lead="Allerdale",
        partners=(),
        title="A contracts negotiator for our four largest contracts",
        summary=(
            "A contracts negotiating expert with commercial acumen to help the council "
            "renegotiate its four largest contracts."
        ),
        expertise="Contract negotiation",
        role="Renegotiate the council's four largest contracts with the council's officers.",
        award="9000",
        approved=at(2012, 10, 3),
        target="1000000",
        savings=(
            Saving(SavingsKind.TARGET, "2012/13", "1000000"),
            Saving(SavingsKind.PROJECTED, "2012/13", "2300000"),
            Saving(
                SavingsKind.REALISED,
                "2012/13",
                "2300000",
                evidence="Renegotiated contracts; para 8.1 of the 2013 board paper.",
            ),
        ),
    ),
    Appointment(
        lead="Wyre Forest",
        partners=(),
        title="Systems thinking across all services",
        summary=(
            "An expert from another council in the West Midlands to help implement "
            "systems thinking across all services."
        ),
        expertise="Systems thinking",
        role="Lead the implementation of systems thinking across all council services.",
        award="6500",
        approved=at(2012, 6, 12),
        target="700000",
        savings=(Saving(SavingsKind.PROJECTED, "2012/13", "700000", Recurrence.RECURRING),),
    ),
    Appointment(
        lead="Gloucestershire",
        partners=(),
        title="Adult social care efficiency diagnostic",
        summary=(
            "An expert in adult social care to review efficiency savings targets and "
            "planning for learning disability services."
        ),
        expertise="Adult social care",
        role="Review savings targets and planning for learning disability services.",
        award="8000",
        approved=at(2013, 1, 15),
        target="10300000",
        savings=(Saving(SavingsKind.PROJECTED, "2013/14", "10300000"),),
    ),
    Appointment(
        lead="Hertfordshire",
        partners=("Essex",),
        title="Shared procurement category management (illustrative)",
        summary=ILLUSTRATIVE,
        expertise="Category management",
        role="Set up category management shared by two county councils.",
        award="7500",
        approved=at(2013, 5, 14),
        target="4000000",
        savings=(Saving(SavingsKind.PROJECTED, "2013/14", "4000000"),),
        illustrative=True,
    ),
    Appointment(
        lead="Hackney",
        partners=("Camden",),
        title="Digital channel shift for housing services (illustrative)",
        summary=ILLUSTRATIVE,
        expertise="Channel shift",
        role="Move routine housing transactions online in two London boroughs.",
        award="5000",
        approved=at(2013, 5, 28),
        target="3515000",
        savings=(Saving(SavingsKind.PROJECTED, "2013/14", "3515000"),),
        illustrative=True,
    ),
    Appointment(
        lead="Sheffield",
        partners=("Leeds",),
        title="Fleet and transport review (illustrative)",
        summary=ILLUSTRATIVE,
        expertise="Fleet management",
        role="Review fleet and passenger transport in two city councils.",
        award="6000",
        approved=at(2013, 6, 11),
        target="2800000",
        savings=(Saving(SavingsKind.PROJECTED, "2013/14", "2800000"),),
        illustrative=True,
        # Sheffield runs the larger fleet: two thirds of the expert's time.
        shares=(("Sheffield", "4000"), ("Leeds", "2000")),
    ),
    Appointment(
        lead="Lincolnshire",
        partners=(),
        title="Asset rationalisation review (illustrative)",
        summary=ILLUSTRATIVE,
        expertise="Asset management",
        role="Review the council's office estate for rationalisation.",
        award="4000",
        approved=at(2013, 6, 25),
        target="2000000",
        savings=(Saving(SavingsKind.PROJECTED, "2013/14", "2000000"),),
        illustrative=True,
    ),
)


def _calls() -> tuple[Call, Call]:
    """The 2012/13 round (for the earlier appointments) and the 2013/14 one."""
    earlier = Call.objects.filter(title=EARLIER_CALL).first() or bids.call_create(
        actor=DEMO,
        strand=Strand.objects.get(key="experts"),
        title=EARLIER_CALL,
        opens_at=datetime(2012, 4, 2, 9, tzinfo=LONDON),
        closes_at=datetime(2013, 3, 28, 17, tzinfo=LONDON),
        max_amount=Decimal("20000"),
        **EXPERTS_REPORTING,
        guidance=(
            "Funding for your council to engage an expert in the field you need, to "
            "help deliver efficiency savings. One appointment can serve several councils."
        ),
    )
    earlier.default_assessors.add(*demo_assessors())
    return earlier, Call.objects.get(title=EXPERTS_CALL)


def _projections(appointment: Appointment) -> dict[str, Decimal]:
    """The bid's own projected savings, named as its form names them (savings_2013_14).
    Every appointment's years fall within those its call's form offers."""
    return {
        "savings_" + saving.year.replace("/", "_"): Decimal(saving.amount)
        for saving in appointment.savings
        if saving.kind == SavingsKind.PROJECTED
    }


def _appoint(call: Call, appointment: Appointment, officer: User) -> Application:
    lead = Council.objects.get(short_name=appointment.lead)
    when = appointment.approved
    bid = bids.application_create(call=call, council=lead, actor=DEMO, at=when)
    sections: dict[str, dict[str, Any]] = {
        "about": {"title": appointment.title, "summary": appointment.summary},
        "councils": {
            "partner_councils": list(Council.objects.filter(short_name__in=appointment.partners))
        },
        "funding": {"amount_requested": Decimal(appointment.award)},
        "expertise": {"expertise_field": appointment.expertise, "expert_role": appointment.role},
        "savings": {
            "savings_target": Decimal(appointment.target),
            **_projections(appointment),
        },
    }
    for section, answers in sections.items():
        bids.application_section_save(
            application=bid, actor=DEMO, section=section, answers=answers, version=None
        )
    bids.application_submit(application=bid, actor=DEMO, at=when, notify=False)
    # The demo officer leads the bid and moderates it; the programme manager decides.
    officer = demo_lead(bid, when)
    bids.application_assessment_start(application=bid, actor=officer, at=when, notify=False)
    moderated = {
        "savings_potential": 5,
        "deliverability": 4,
        "value_for_money": 5,
        "transferability": None if appointment.illustrative else 4,
    }
    # The two demo assessors scored it first (applications/demo.py), a point apart at most.
    demo_reviews(
        bid,
        scores=[moderated, {**moderated, "deliverability": 3}],
        recommendations=["fund", "fund"],
        at=when,
    )
    bids.assessment_save(
        application=bid,
        actor=officer,
        scores=moderated,
        recommendation="fund",
        reason="The assessors agree: fund.",
        at=when,
    )
    bid = bids.application_approve(
        application=bid,
        actor=demo_decider(),
        award_amount=Decimal(appointment.award),
        at=when,
        notify=False,
    )
    if appointment.shares:
        bids.award_shares_set(
            application=bid,
            amounts={
                Council.objects.get(short_name=name).pk: Decimal(amount)
                for name, amount in appointment.shares
            },
            actor=officer,
            on=timezone.localdate(when),  # the split agreed with the award
        )
    for saving in appointment.savings:
        if saving.kind == SavingsKind.REALISED:
            continue  # reported through the award's first return (_returns)
        savings_entry_record(
            actor=officer,
            strand=call.strand,
            council=lead,
            financial_year=saving.year,
            kind=saving.kind,
            amount=Decimal(saving.amount),
            recurrence=saving.recurrence,
            application=bid,
            evidence=saving.evidence,
            verified=saving.kind == SavingsKind.REALISED,
            # Reported when the award was made, as the 2013 paper counts it.
            reported_on=when.date(),
        )
    return bid


@dataclass(frozen=True)
class Story:
    lead: str
    slug: str
    title: str
    summary: str
    body: str
    published: datetime


# Para 8.1-8.3, told from the paper only; para 9: "Case studies have been
# written for these three examples" and published on the productivity page.
CASE_STUDIES = (
    Story(
        lead="Allerdale",
        slug="allerdale-contract-renegotiation",
        title="Allerdale: renegotiating the four largest contracts",
        summary=(
            "A contracts negotiating expert helped Allerdale Borough Council realise "
            "£2.3 million of savings against a £1 million target."
        ),
        body=(
            "Allerdale Borough Council used the Productivity Experts programme to bring in "
            "a contracts negotiating expert with commercial acumen.\n\n"
            "The expert helped the council renegotiate its four largest contracts.\n\n"
            "The council has realised an efficiency saving of £2.3 million against a target "
            "of £1 million."
        ),
        published=at(2013, 6, 3),
    ),
    Story(
        lead="Wyre Forest",
        slug="wyre-forest-systems-thinking",
        title="Wyre Forest: systems thinking across all services",
        summary=(
            "An expert from another West Midlands council helped Wyre Forest District Council "
            "implement systems thinking, for £700,000 a year of savings in 2012/13."
        ),
        body=(
            "Wyre Forest District Council secured an expert from another council in the "
            "West Midlands through the Productivity Experts programme.\n\n"
            "The expert helped the council implement systems thinking across all of its "
            "services.\n\n"
            "The work is to achieve savings of £700,000 a year in 2012/13."
        ),
        published=at(2013, 6, 3),
    ),
    Story(
        lead="Gloucestershire",
        slug="gloucestershire-adult-social-care-diagnostic",
        title="Gloucestershire: an adult social care diagnostic",
        summary=(
            "An adult social care expert's review for Gloucestershire County Council "
            "identified opportunities for £10.3 million of additional savings."
        ),
        body=(
            "Gloucestershire County Council sourced an expert in adult social care through "
            "the Productivity Experts programme.\n\n"
            "The expert reviewed the council's efficiency savings targets and its planning "
            "for learning disability services.\n\n"
            "This diagnostic exercise identified opportunities to secure additional savings "
            "of £10.3 million."
        ),
        published=at(2013, 6, 3),
    ),
)


def _appointment_records(officer: User) -> int:
    """An appointment for each approved Experts bid that has none yet."""
    made = 0
    approved = Application.objects.filter(
        call__strand__key="experts", state=ApplicationState.APPROVED, appointment__isnull=True
    )
    for bid in approved:
        experts.appointment_create(
            application=bid, starts_on=timezone.localdate(bid.decided_at), actor=officer
        )
        made += 1
    return made


def _case_studies(officer: User) -> None:
    for story in CASE_STUDIES:
        if CaseStudy.objects.filter(slug=story.slug).exists():
            continue
        council = Council.objects.get(short_name=story.lead)
        case_study = experts.case_study_save(
            title=story.title,
            slug=story.slug,
            council=council,
            summary=story.summary,
            body=story.body,
            actor=officer,
            appointment=AppointmentRecord.objects.filter(
                application__lead_council=council, application__call__strand__key="experts"
            ).first(),
        )
        experts.case_study_publish(case_study=case_study, actor=officer, at=story.published)


def _first_return(appointment: Appointment, number: int = 1) -> SavingsReturn | None:
    """The award's `number`th return, if the demo has not touched it yet."""
    return (
        SavingsReturn.objects.filter(
            council__short_name=appointment.lead,
            application__title=appointment.title,
            reference__endswith=f"-{number}",
            state=ReturnState.DUE,
            extended_to__isnull=True,
            lines__isnull=True,
        )
        .select_related("application__call")
        .first()
    )


def _council_user(appointment: Appointment) -> User | SystemActor:
    """The demo's user of the council who prepares its returns, where there
    is one; else the portal."""
    users = User.objects.filter(council__short_name=appointment.lead, is_finance_officer=False)
    return users.order_by("pk").first() or DEMO


def _finance_officer(savings_return: SavingsReturn) -> User | SystemActor:
    """The council's finance officer who certifies its returns; else the portal."""
    council = savings_return.council_id
    found = return_selectors.finance_officers(council, besides=savings_return.prepared_by_id)
    return found.first() or DEMO


def _send(
    savings_return: SavingsReturn,
    sender,
    lines: tuple[Saving, ...],
    certify: bool = True,
    at: datetime | None = None,
) -> SavingsReturn:
    for saving in lines:
        return_services.return_line_add(
            actor=sender,
            savings_return=savings_return,
            financial_year=saving.year,
            kind=saving.kind,
            amount=Decimal(saving.amount),
            recurrence=saving.recurrence,
            evidence=saving.evidence or "Figures from the council's finance team.",
        )
    name = sender.display_name if isinstance(sender, User) else "A. Placeholder (demo)"
    sent = return_services.return_submit(
        actor=sender,
        savings_return=savings_return,
        declaration_name=name,
        confirmed=True,
        notify=False,
        at=at,
    )
    if sent.is_awaiting_certification and certify:
        # The call asks for certification: the council's finance officer certifies it.
        sent = return_services.return_certify(
            actor=_finance_officer(sent), savings_return=sent, confirmed=True, notify=False, at=at
        )
    return sent


def _returns_2013(officer: User) -> None:
    """Each award's realised savings came through its first return and were
    verified (the paper's figures are unchanged)."""
    for appointment in APPOINTMENTS:
        realised = tuple(s for s in appointment.savings if s.kind == SavingsKind.REALISED)
        first = _first_return(appointment) if realised else None
        if first is not None:
            # Sent ten days before it was due and verified a week later, in
            # 2013: the paper of 17 July 2013 counts them (docs/savings.md,
            # "Effective dates"); never the day the demo was loaded.
            due = datetime.combine(first.due_on, datetime.min.time(), tzinfo=LONDON)
            sent_at = due - timedelta(days=10) + timedelta(hours=10)
            sent = _send(first, _council_user(appointment), realised, at=sent_at)
            return_services.return_verify(
                actor=officer, savings_return=sent, notify=False, at=sent_at + timedelta(days=7)
            )


# A partner on a shared award reports its own savings (docs/savings.md,
# "Shared awards"): Leeds, Sheffield's partner on the fleet review, through
# its own first return, sent by the demo's Leeds user (programmes/growth/demo.py).
PARTNER_SAVING = Saving(
    SavingsKind.REALISED,
    "2013/14",
    "42000",
    evidence="Leeds's share of the pooled fleet contract, from its own ledger (illustrative).",
)


def _partner_return(officer: User) -> None:
    """Once the partners have confirmed (applications/demo.py, a later step),
    their returns are made; Leeds sends its first, awaiting verification."""
    sheffield = next(item for item in APPOINTMENTS if item.lead == "Sheffield")
    bid = Application.objects.filter(
        lead_council__short_name="Sheffield", title=sheffield.title
    ).first()
    if bid is None:
        return
    return_services.returns_generate(actor=officer, application=bid)
    first = (
        SavingsReturn.objects.filter(application=bid, council__short_name="Leeds")
        .order_by("period_start")
        .first()
    )
    if first is None or first.state != ReturnState.DUE or first.lines.exists():
        return  # sent by an earlier load
    sender = User.objects.filter(council__short_name="Leeds", is_finance_officer=False).first()
    if sender is not None:
        _send(first, sender, (PARTNER_SAVING,))


def _returns_today(officer: User) -> None:
    """Returns in every other state, as of today (after the 2013 paper is
    published, so none of it is in that paper): one awaits verification, one
    was sent back, one withdrawn, one waived, one is due soon (an extension)
    and the rest are overdue. Wyre Forest's are certified by its finance
    officer: one was sent back by them, one awaits them (both still overdue)."""
    by_lead = {appointment.lead: appointment for appointment in APPOINTMENTS}
    allerdale, wyre_forest = by_lead["Allerdale"], by_lead["Wyre Forest"]
    hertfordshire = by_lead["Hertfordshire"]
    # From today the 2012/13 round asks for certified returns (Wyre Forest's
    # are the demo's): its finance officer, demo-finance, certifies them.
    earlier = Call.objects.get(title=EARLIER_CALL)
    bids.call_update(actor=officer, call=earlier, data={"returns_need_certification": True})
    soon = _first_return(allerdale, 2)
    if soon is not None:
        return_services.return_extend(
            actor=officer,
            savings_return=soon,
            until=timezone.localdate() + timedelta(days=12),
            reason="Agreed with the council's finance lead: the year-end figures come later.",
        )
    waived = _first_return(allerdale, 5)
    if waived is not None:
        return_services.return_waive(
            actor=officer,
            savings_return=waived,
            reason="The contracts were renegotiated by then: nothing more to report.",
        )
    awaiting = _first_return(wyre_forest, 1)
    if awaiting is not None:
        _send(awaiting, _council_user(wyre_forest), (DEMO_AWAITING,))
    sent_back = _first_return(wyre_forest, 2)
    if sent_back is not None:
        sent = _send(sent_back, _council_user(wyre_forest), (DEMO_SENT_BACK,))
        return_services.return_send_back(
            actor=officer,
            savings_return=sent,
            reason=(
                "The evidence describes savings planned for 2013/14. Report them as "
                "projected, or attach the invoices that show they were made."
            ),
            notify=False,
        )
    # Certification: one return sent back by the finance officer, with the
    # reason its preparer sees, and one awaiting their certification.
    not_certified = _first_return(wyre_forest, 3)
    if not_certified is not None:
        prepared = _send(
            not_certified, _council_user(wyre_forest), (DEMO_NOT_CERTIFIED,), certify=False
        )
        return_services.return_send_back_to_preparer(
            actor=_finance_officer(prepared),
            savings_return=prepared,
            reason=(
                "The £45,000 is the contract's value for the whole year, not what it has saved. "
                "Enter the saving against last year's cost, with the invoices."
            ),
            notify=False,
        )
    to_certify = _first_return(wyre_forest, 4)
    if to_certify is not None:
        _send(to_certify, _council_user(wyre_forest), (DEMO_TO_CERTIFY,), certify=False)
    withdrawn = _first_return(hertfordshire, 1)
    if withdrawn is not None:
        sent = _send(withdrawn, _council_user(hertfordshire), (DEMO_WITHDRAWN,))
        return_services.return_withdraw(actor=DEMO, savings_return=sent)


# Demo returns' lines (fictional, not from the paper): they count nowhere in
# the paper's figures (awaiting verification is shown apart; sent back and
# withdrawn lines count nowhere).
DEMO_AWAITING = Saving(
    SavingsKind.REALISED,
    "2012/13",
    "120000",
    Recurrence.RECURRING,
    evidence="Fewer repeat calls to revenues and benefits: call logs for April to June.",
)
DEMO_SENT_BACK = Saving(
    SavingsKind.REALISED,
    "2012/13",
    "80000",
    evidence="Planned reductions in agency staff in the contact centre.",
)
DEMO_NOT_CERTIFIED = Saving(
    SavingsKind.REALISED,
    "2012/13",
    "45000",
    evidence="New cleaning contract for the council's offices.",
)
DEMO_TO_CERTIFY = Saving(
    SavingsKind.REALISED,
    "2012/13",
    "60000",
    Recurrence.RECURRING,
    evidence="Shared revenues team with a neighbouring district: staff costs for the quarter.",
)
DEMO_WITHDRAWN = Saving(
    SavingsKind.REALISED,
    "2013/14",
    "30000",
    evidence="Joint purchasing of office supplies (entered against the wrong award).",
)


def load(context: DemoContext) -> None:
    officer = User.objects.get(username="demo-officer")
    earlier, current = _calls()
    made = 0
    for appointment in APPOINTMENTS:
        call = earlier if appointment.approved < current.opens_at else current
        exists = Application.objects.filter(
            call=call, lead_council__short_name=appointment.lead, title=appointment.title
        ).exists()
        if not exists:
            _appoint(call, appointment, officer)
            made += 1
    records = _appointment_records(officer)
    _case_studies(officer)
    _returns_2013(officer)
    context.later(lambda: _partner_return(officer))
    context.later(lambda: _returns_today(officer))
    context.write(
        f"Productivity Experts appointments: {len(APPOINTMENTS)} ({made} new bids, "
        f"{records} new appointment records); case studies: {len(CASE_STUDIES)}"
    )
