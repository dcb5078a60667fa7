"""The calls and bids of the demo, loaded through the services (docs/bids.md, "Demo data").

Two kinds of round, so that nothing makes a reader ask which year it is:

- The 2013 rounds are history: closed, their bids replayed at 2013 dates and
  their awards in 2013/14 (the Productivity Experts round; the Growth
  Advisers round of 2013 is in `programmes/growth/demo.py`; One Public Estate
  had no round: its 12 pilots were already working). The seven approved Productivity Experts
  appointments (£46,000, para 8) are loaded by `programmes/experts/demo.py`.
- The present-day rounds are for trying the journey in `make demo`: a Growth
  Advisers round and a Productivity Experts round named for the current year,
  opened two weeks before the first `load_demo` and closing 60 days after it,
  with Growth support in the months after assessment. Their bids, still in
  progress, carry this year's references and dates; an award made on them
  falls in the current financial year. A later run that finds a present-day
  round closed moves its closing date on again.

Bids in every state but "approved" are here; the approved ones are the 2013
awards of the strand demos. Idempotent: a bid that exists (same call, council
and title) is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from applications import services
from applications.models import (
    Application,
    ApplicationState,
    Call,
    PartnerConfirmation,
    PartnerStatus,
)
from programmes.demo import DemoContext
from programmes.models import Council, Strand, User
from programmes.permissions import DEMO
from savings.years import financial_year_of, next_financial_year

LONDON = ZoneInfo("Europe/London")

EXPERTS_CALL = "Productivity Experts 2013/14"

# Growth Advisers days are valued at this rate when an award is recorded as
# investment. The paper gives no rate; this is the demo's assumption (docs/bids.md).
DEMO_DAY_RATE = Decimal("500.00")

# The 2013 Productivity Experts rounds' savings returns (docs/savings.md,
# "Returns"): quarterly from April 2012, for a year after each award.
EXPERTS_REPORTING = {
    "return_frequency": "quarterly",
    "returns_from": date(2012, 4, 1),
    "return_years": 1,
    "return_due_days": 30,
    "reminder_days_before": 14,
    "overdue_days_after": 7,
    "return_line_limit": Decimal("5000000"),
    "projection_years_ahead": 3,
}


def growth_call_title(year: int) -> str:
    return f"Local Economic Growth Advisers: {year} round"


def experts_call_title(year: int) -> str:
    return f"Productivity Experts: {year} round"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


def _call(title: str, **fields) -> Call:
    return Call.objects.filter(title=title).first() or services.call_create(
        actor=DEMO, title=title, **fields
    )


def _five_pm(days_ahead: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, 17, tzinfo=LONDON)


def _opened_this_year() -> datetime:
    """Two weeks ago, but never last year: the round's references carry its year."""
    today = timezone.localdate()
    day = max(today - timedelta(days=14), date(today.year, 1, 1))
    return datetime(day.year, day.month, day.day, 9, tzinfo=LONDON)


def _support_window(assessed_by: date) -> tuple[date, date]:
    """Six months of adviser support, from the first of the month after assessment."""
    start = date(assessed_by.year + assessed_by.month // 12, assessed_by.month % 12 + 1, 1)
    end_month = start.month + 6
    end = date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end - timedelta(days=1)


def _present_round(title: str, **fields) -> Call:
    call = _call(
        title,
        opens_at=_opened_this_year(),
        closes_at=_five_pm(60),
        assessment_due=_five_pm(74).date(),
        **fields,
    )
    if not call.is_open(timezone.now()):
        # The demo's present-day round stays open whenever the demo is loaded again.
        Call.objects.filter(pk=call.pk).update(
            closes_at=_five_pm(60), assessment_due=_five_pm(74).date()
        )
        call.refresh_from_db()
    return call


# The demo's two fictional assessors (programmes/demo.py DEMO_USERS): the
# default assessors of every demo round, so each bid sent is assigned to them.
ASSESSORS = ("demo-assessor-a", "demo-assessor-b")
LEAD_OFFICER = "demo-officer"
# The programme manager, who decides the demo's awards (the strands' demos
# too); they score none of them, as the rules ask (applications.workflow).
DECIDER = "demo-manager"


def demo_decider() -> User:
    return User.objects.get(username=DECIDER)


def demo_lead(application: Application, at: datetime | None = None) -> User:
    """The demo officer leads the bid (set by the portal); returns them."""
    lead = User.objects.get(username=LEAD_OFFICER)
    services.assessors_assign(
        application=application, actor=DEMO, assessors=[], lead_officer=lead, replace=False, at=at
    )
    return lead


# Takes the first decision on the demo's award awaiting a second decider
# (programmes/demo.py DEMO_DECIDERS); demo-manager can give the second.
FIRST_DECIDER = "demo-director"


def demo_assessors() -> list[User]:
    return list(User.objects.filter(username__in=ASSESSORS).order_by("username"))


def demo_reviews(
    application: Application,
    *,
    scores: list[dict[str, int | None]],
    recommendations: list[str],
    at: datetime | None = None,
) -> None:
    """Each demo assessor declares no conflict and submits their scores, in
    ASSESSORS order (their first `len(scores)`)."""
    reviews = application.reviews.filter(assessor__username__in=ASSESSORS).order_by(
        "assessor__username"
    )
    for review, values, recommendation in zip(reviews, scores, recommendations, strict=False):
        services.conflict_declare(review=review, actor=DEMO, conflict=False, at=at)
        services.review_save(
            review=review,
            actor=DEMO,
            scores=values,
            recommendation=recommendation,
            notes="Scored from the bid and its answers.",
            submit=True,
            at=at,
        )


def _with_assessors(call: Call) -> Call:
    call.default_assessors.add(*demo_assessors())
    return call


def load_calls() -> dict[str, Call]:
    year = timezone.localdate().year
    support_from, support_until = _support_window(_five_pm(74).date())
    growth = _present_round(
        growth_call_title(year),
        strand=Strand.objects.get(key="growth"),
        max_days=14,
        day_rate=DEMO_DAY_RATE,
        support_from=support_from,
        support_until=support_until,
        guidance=(
            "Economic Growth Advisers offer direct, bespoke advice and support to help "
            "your council deliver economic growth in your area: a specific project, "
            "bringing local partners together, or a strategic approach.\n\n"
            "You can bid for up to 14 days of adviser support, to be used in the six "
            "months after bids are assessed. The programme is aimed at individual "
            "councils, and takes account of activity in your sub-region, particularly "
            "through the combined authority or council that leads on local growth "
            "(the role Local Enterprise Partnerships had until 2024) and any growth deal."
        ),
    )
    experts_now = _present_round(
        experts_call_title(year),
        strand=Strand.objects.get(key="experts"),
        max_amount=Decimal("20000"),
        # Four eyes: an award above £5,000 needs a second decider.
        second_decision_above=Decimal("5000"),
        guidance=(
            "Funding for your council to engage an expert in the field you need, to "
            "help deliver efficiency savings. One appointment can serve several councils."
        ),
    )
    experts = _call(
        EXPERTS_CALL,
        strand=Strand.objects.get(key="experts"),
        opens_at=at(2013, 4, 1, 9),
        closes_at=at(2014, 3, 31, 17),
        max_amount=Decimal("20000"),
        **EXPERTS_REPORTING,
        guidance=(
            "Funding for your council to engage an expert in the field you need, to "
            "help deliver efficiency savings. One appointment can serve several councils."
        ),
    )
    # No One Public Estate round: in 2013 the 12 pilots were chosen and already
    # working (paras 2-5), so a round open for bids would be invented history.
    calls = {"growth": growth, "experts_now": experts_now, "experts": experts}
    for call in calls.values():
        _with_assessors(call)
    return calls


GROWTH_ANSWERS = {
    "funding": {"days_requested": 12},
    "project": {"project": "Bring the district's business partners together on a growth plan."},
    "support-areas": {"support_strategy": True, "support_business": True},
    "local-partners": {"sub_region": "", "lep": "", "lep_deal": ""},
}


def _answers(strand: str, title: str, summary: str, region: str, lep: str) -> dict:
    if strand == "growth":
        answers = {**GROWTH_ANSWERS}
        answers["local-partners"] = {"sub_region": region, "lep": lep, "lep_deal": ""}
    elif strand == "experts":
        answers = {
            "funding": {"amount_requested": Decimal("9500")},
            "expertise": {
                "expertise_field": "Service redesign",
                "expert_role": "Review our service redesign plans and coach the team.",
            },
            "savings": {
                "savings_target": Decimal("250000"),
                "savings_2013_14": Decimal("100000"),
                "savings_2014_15": Decimal("200000"),
            },
        }
    else:
        answers = {
            "funding": {"amount_requested": Decimal("23000")},
            "partner-bodies": {"partner_bodies": "Surrey Fire and Rescue; Surrey Police; NHS"},
            "assets": {"assets": "County hall; three fire stations; two police buildings"},
            "plan": {"outline_plan": "Map the estate, agree co-locations, release two sites."},
        }
    return {"about": {"title": title, "summary": summary}, **answers}


# (call, council short name, title, summary, final state, when, region, LEP)
# Bids in progress are on the present-day rounds, by councils that exist
# today; the 2013 round's bids ended in 2013 (declined, withdrawn).
DEMO_BIDS = [
    ("experts_now", "Wyre Forest", "A customer contact expert for our front office", "draft"),
    ("growth", "Wyre Forest", "Kidderminster town centre regeneration", "more_information"),
    ("growth", "Hertfordshire", "Inward investment for the M1 corridor", "submitted"),
    ("growth", "Essex", "A growth strategy for Essex's market towns", "in_assessment"),
    ("experts", "Hackney", "A commissioning expert for children's services", "declined"),
    # Approved by one decider, above the round's £5,000 limit: awaits the second.
    ("experts_now", "Hertfordshire", "An adult social care commissioning expert", "second"),
    ("experts", "Lincolnshire", "Energy procurement adviser", "withdrawn"),
]
LOCAL = {
    "Wyre Forest": ("North Worcestershire", "Worcestershire LEP"),
    "Hertfordshire": ("Hertfordshire", "Hertfordshire LEP"),
    "Essex": ("Greater Essex", "South East LEP"),
}


def _bid_answers(call: Call, council: Council, title: str) -> dict:
    strand = call.strand.key
    region, lep = LOCAL.get(council.short_name, ("", ""))
    answers = _answers(strand, title, f"{title}: {council.name}.", region, lep)
    if strand == "experts" and call.is_open():
        # This year's round projects savings for this year and the next.
        first = financial_year_of(timezone.localdate(call.opens_at))
        answers["savings"] = {
            "savings_target": Decimal("250000"),
            **{
                "savings_" + next_financial_year(first, step).replace("/", "_"): amount
                for step, amount in enumerate((Decimal("100000"), Decimal("200000")))
            },
        }
    return answers


# A partner bid (docs/bids.md, "Partner councils"): complete, but it cannot be
# sent until Wyre Forest answers; Gloucestershire has confirmed. demo-wyreforest,
# Wyre Forest's council lead, confirms or declines it from their bid list.
PARTNER_BID = (
    "experts_now",
    "Worcestershire",
    "A shared revenues and benefits expert for Worcestershire and its neighbours",
)
PARTNERS_CONFIRMED = ("Gloucestershire",)
PARTNERS_WAITING = ("Wyre Forest",)


def _partner_bid(call: Call, council: Council, title: str) -> Application | None:
    if Application.objects.filter(call=call, lead_council=council, title=title).exists():
        return None
    application = services.application_create(call=call, council=council, actor=DEMO)
    partners = list(Council.objects.filter(short_name__in=PARTNERS_CONFIRMED + PARTNERS_WAITING))
    answers = {**_bid_answers(call, council, title), "councils": {"partner_councils": partners}}
    for section, values in answers.items():
        application = services.application_section_save(
            application=application, actor=DEMO, section=section, answers=values, version=None
        )
    for confirmation in application.partner_confirmations.filter(
        council__short_name__in=PARTNERS_CONFIRMED
    ):
        services.partner_answer(confirmation=confirmation, actor=DEMO, confirmed=True)
    return application


def _sent_partners_confirmed() -> None:
    """The demo's sent bids (the strands' 2013 appointments among them) went
    to the LGA with their partners: their answers are recorded as given when
    the bid was sent, as migration 0014 did for bids sent before partners
    were asked. Partners' users then see them (applications.selectors)."""
    waiting = PartnerConfirmation.objects.filter(status=PartnerStatus.PENDING).exclude(
        application__state=ApplicationState.DRAFT
    )
    for confirmation in waiting.select_related("application"):
        services.partner_answer(
            confirmation=confirmation,
            actor=DEMO,
            confirmed=True,
            at=confirmation.application.submitted_at,
        )


def _bid(call: Call, council: Council, title: str, state: str) -> Application | None:
    if Application.objects.filter(call=call, lead_council=council, title=title).exists():
        return None
    historic = not call.is_open()
    # Replay the closed 2013 rounds at 2013 dates; the present-day rounds at today's.
    when = {
        "start": call.opens_at + timedelta(days=10) if historic else None,
        "submit": call.opens_at + timedelta(days=20) if historic else None,
        "assess": call.opens_at + timedelta(days=30) if historic else None,
        "decide": call.opens_at + timedelta(days=45) if historic else None,
    }
    application = services.application_create(
        call=call, council=council, actor=DEMO, at=when["start"]
    )
    answers = _bid_answers(call, council, title)
    if state == "draft":
        # Half done: the applicant finishes it in the demo.
        answers = {"about": answers["about"], "funding": answers["funding"]}
    for section, values in answers.items():
        application = services.application_section_save(
            application=application, actor=DEMO, section=section, answers=values, version=None
        )
    if state == "draft":
        return application
    if state == "withdrawn":
        return services.application_withdraw(
            application=application,
            actor=DEMO,
            note="The council found the expertise in house.",
            at=when["submit"],
            notify=False,
        )
    application = services.application_submit(
        application=application, actor=DEMO, at=when["submit"], notify=False
    )
    if state == "submitted":
        _declared_conflict(application)
        return application
    application = services.application_assessment_start(
        application=application, actor=DEMO, at=when["assess"], notify=False
    )
    criteria = [key for key, _ in call.strand.spec.assessment_criteria]
    services.assessors_assign(
        application=application,
        actor=DEMO,
        assessors=demo_assessors(),
        lead_officer=User.objects.filter(username=LEAD_OFFICER).first(),
        replace=False,
        at=when["assess"],
    )
    if state == "in_assessment":
        # The disagreement to moderate: 5 against 3 on the first criterion,
        # and "fund" against "do not fund". The lead has not moderated yet.
        demo_reviews(
            application,
            scores=[
                {key: score for key, score in zip(criteria, (5, 4, None, 4), strict=False)},
                {key: score for key, score in zip(criteria, (3, 4, None, 3), strict=False)},
            ],
            recommendations=["fund", "do_not_fund"],
            at=when["assess"],
        )
        return application
    demo_reviews(
        application,
        scores=[
            {key: score for key, score in zip(criteria, (4, 3, None, 3), strict=False)},
            {key: score for key, score in zip(criteria, (4, 3, None, 4), strict=False)},
        ],
        recommendations=["fund_with_conditions", "fund_with_conditions"],
        at=when["assess"],
    )
    services.assessment_save(
        application=application,
        actor=DEMO,
        scores={criteria[0]: 4, criteria[1]: 3, criteria[2]: None},
        notes="First read: promising; the partnership needs evidence.",
        reason="The assessors agree; value for money rests on the partnership's evidence.",
        at=when["assess"],
    )
    if state == "more_information":
        return services.application_information_request(
            application=application,
            actor=DEMO,
            message=(
                "Please tell us which local partners have agreed to take part, and "
                "upload any letters of support."
            ),
            at=when["assess"],
            notify=False,
        )
    if state == "second":
        return services.application_approve(
            application=application,
            actor=User.objects.get(username=FIRST_DECIDER),
            award_amount=Decimal("9500"),
            note="Well evidenced; the expert's plan matches the savings projected.",
            at=when["decide"],
            notify=False,
        )
    if state == "declined":
        return services.application_decline(
            application=application,
            actor=DEMO,
            reasons=(
                "The projected savings are not yet evidenced. You are welcome to bid "
                "again with a costed plan."
            ),
            at=when["decide"],
            notify=False,
        )
    return application


def _declared_conflict(application: Application) -> None:
    """The demo's declared conflict: the second assessor once worked for the
    council; the demo officer is assigned in their place, still to score."""
    review = application.reviews.filter(assessor__username=ASSESSORS[1]).first()
    if review is None:
        return
    services.conflict_declare(
        review=review,
        actor=DEMO,
        conflict=True,
        note="I worked for this council until last year.",
    )
    services.assessors_assign(
        application=application,
        actor=DEMO,
        assessors=list(User.objects.filter(username=LEAD_OFFICER)),
        replace=False,
    )


def load(context: DemoContext) -> None:
    calls = load_calls()
    created = 0
    for call_key, council_name, title, state in DEMO_BIDS:
        council = Council.objects.get(short_name=council_name)
        if _bid(calls[call_key], council, title, state) is not None:
            created += 1
    context.later(_sent_partners_confirmed)
    call_key, council_name, title = PARTNER_BID
    council = Council.objects.get(short_name=council_name)
    if _partner_bid(calls[call_key], council, title) is not None:
        created += 1
    context.notes.append(
        f"demo-wyreforest is asked to confirm or decline {council.name}'s partner bid "
        "(Gloucestershire has confirmed; the bid cannot be sent until Wyre Forest answers). "
        "demo-cumberland reads Allerdale's bids, awards and returns: Cumberland succeeded it."
    )
    open_now = [call for call in calls.values() if call.is_open()]
    context.write(
        f"Calls: {len(calls)}; open now: "
        + "; ".join(f"{call.title} until {call.closing_text()}" for call in open_now)
        + f"; bids added: {created}"
    )
