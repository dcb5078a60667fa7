"""The Growth Advisers panel and the first awards of adviser days (paras 15-18).

The 2013 paper reports the programme open for bids, to be assessed at the end
of August, with support from September 2013 to February 2014. It names where
advisers come from (para 15.1) but no advisers and no awards, so:

- the panel has one plainly fictional adviser per source type;
- two illustrative awards, marked so in their titles, on a closed 2013 round
  replayed at 2013 dates (bids in August, assessed and awarded at the start
  of September 2013, so their investment falls in 2013/14; the demo's other
  Growth call stays open "now" for `make demo`): Leeds (12 days, matched, 6
  days logged in the autumn of 2013) and Portsmouth (8 days, awaiting an
  adviser);
- Leeds' days costed to its adviser's organisation (docs/money.md, "Adviser
  days"): September and October's 3.5 days paid in November 2013, November's
  2.5 days approved and waiting for LGA finance. Invoices, dates and
  references are illustrative. This runs with money out (`complete_2013`,
  after its step: LGA finance has its role) and before the 2013 paper.

Everything goes in through the services. Idempotent: advisers are upserted,
a bid that exists is left alone, days are logged only on a bid with none.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from applications import services as bids
from applications.demo import DEMO_DAY_RATE, demo_decider, demo_lead
from applications.models import Application, Call
from programmes.demo import DemoContext
from programmes.growth.models import AdviserCosting, AdviserDay, AdviserMatch, AdviserSource
from programmes.growth.services import (
    adviser_days_cost,
    adviser_days_log,
    adviser_match,
    adviser_upsert,
)
from programmes.models import Council, Strand, User
from programmes.payments import services as payments
from programmes.permissions import DEMO
from programmes.roles import APPLICANT
from programmes.services import user_create

# name, source, organisation, expertise. All fictional.
ADVISERS = [
    (
        "Morgan Testwell",
        AdviserSource.LOCAL_PARTNERSHIPS,
        "Local Partnerships",
        ["support_strategy", "support_infrastructure"],
    ),
    (
        "Priya Placeholder",
        AdviserSource.THIRD_SECTOR,
        "Example Community Enterprise Trust (fictional)",
        ["support_business", "support_regeneration"],
    ),
    (
        "Sam Specimen",
        AdviserSource.HOUSING_ASSOCIATION,
        "Sample Homes Group (fictional)",
        ["support_regeneration", "support_infrastructure"],
    ),
    (
        "Jo Illustrative",
        AdviserSource.PEER,
        "A council officer peer (fictional)",
        ["support_strategy", "support_business", "support_inward_investment"],
    ),
    (
        "Alex Dummy",
        AdviserSource.BUSINESS,
        "Example Business Forum (fictional)",
        ["support_strategy", "support_business", "support_inward_investment"],
    ),
]

# Illustrative: the 2013 board paper reports no Growth Advisers awards yet.
# The councils see this as their bid's summary, so it reads as one (issue 27).
ILLUSTRATIVE = "Adviser support to bring the council and its partners together on a growth plan."

# council, title, areas, days requested, days awarded, adviser, days logged
AWARDS = [
    (
        "Leeds",
        "Inward investment plan for the city region (illustrative)",
        {"support_strategy": True, "support_inward_investment": True},
        12,
        12,
        "Alex Dummy",
        [
            (date(2013, 9, 18), Decimal("1.5"), "Workshop with LEP partners"),
            (date(2013, 10, 9), Decimal("2"), "Draft investment proposition"),
            (date(2013, 11, 13), Decimal("2.5"), "Investor pipeline review"),
        ],
    ),
    (
        "Portsmouth",
        "Waterfront regeneration and infrastructure (illustrative)",
        {"support_regeneration": True, "support_infrastructure": True},
        10,
        8,
        None,
        [],
    ),
]


LONDON = ZoneInfo("Europe/London")
AWARDED_CALL = "Local Economic Growth Advisers: 2013 round (awarded)"
BID_AT = datetime(2013, 8, 20, 10, tzinfo=LONDON)
# The panel was recruited while the round was open (para 15), before the awards.
PANEL_JOINED = date(2013, 8, 1)
AWARD_AT = datetime(2013, 9, 2, 10, tzinfo=LONDON)


def _awarded_call() -> Call:
    """The 2013 round the awards came from: open in the summer, assessed at the
    end of August, support from September 2013 to February 2014 (paras 17-18)."""
    return Call.objects.filter(title=AWARDED_CALL).first() or bids.call_create(
        actor=DEMO,
        strand=Strand.objects.get(key="growth"),
        title=AWARDED_CALL,
        opens_at=datetime(2013, 7, 1, 9, tzinfo=LONDON),
        closes_at=datetime(2013, 8, 30, 17, tzinfo=LONDON),
        assessment_due=date(2013, 8, 31),
        max_days=14,
        day_rate=DEMO_DAY_RATE,
        support_from=date(2013, 9, 1),
        support_until=date(2014, 2, 28),
        guidance=(
            "Bid for up to 14 days of adviser support, used from September 2013 to February 2014."
        ),
    )


def _award(
    call: Call, council: Council, title: str, areas: dict, asked: int, awarded: int, officer: User
) -> Application:
    bid = bids.application_create(call=call, council=council, actor=DEMO, at=BID_AT)
    sections: dict[str, dict[str, Any]] = {
        "about": {"title": title, "summary": ILLUSTRATIVE},
        "funding": {"days_requested": asked},
        "project": {"project": f"{title}: adviser support for the council and its partners."},
        "support-areas": areas,
        "local-partners": {"sub_region": council.name, "lep": "The local LEP", "lep_deal": ""},
    }
    for section, answers in sections.items():
        bids.application_section_save(
            application=bid, actor=DEMO, section=section, answers=answers, version=None
        )
    bids.application_submit(application=bid, actor=DEMO, at=BID_AT, notify=False)
    # The demo officer leads the bid; the programme manager decides.
    officer = demo_lead(bid, AWARD_AT)
    bids.application_assessment_start(application=bid, actor=officer, at=AWARD_AT, notify=False)
    return bids.application_approve(
        application=bid, actor=demo_decider(), award_days=awarded, at=AWARD_AT, notify=False
    )


# A plainly fictional applicant of the matched award's council, so the demo
# shows what a council sees: its adviser and the days used and left.
LEEDS_USER = ("demo-leeds", "Lee", "Sample")


def load_leeds_user(context: DemoContext) -> None:
    username, first, last = LEEDS_USER
    user = User.objects.filter(username=username).first()
    password = secrets.token_urlsafe(12)
    if user is None:
        user_create(
            actor=DEMO,
            username=username,
            role=APPLICANT,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            council=Council.objects.get(short_name="Leeds"),
        )
    elif context.reset_passwords:
        user.set_password(password)
        user.save(update_fields=["password"])
    else:
        password = "(unchanged: run load_demo --reset-passwords to see a new one)"  # noqa: S105
    context.logins.append((f"{APPLICANT}, Leeds City Council", username, password))


# Leeds' days costed: (period, days, invoice, costed, approved, paid on or None).
COSTINGS = [
    (
        (date(2013, 9, 1), date(2013, 10, 31)),
        Decimal("3.5"),
        "EBF-2013-101",
        datetime(2013, 11, 4, 10, tzinfo=LONDON),
        datetime(2013, 11, 6, 10, tzinfo=LONDON),
        date(2013, 11, 22),
    ),
    (
        (date(2013, 11, 1), date(2013, 11, 30)),
        Decimal("2.5"),
        "EBF-2013-117",
        datetime(2013, 12, 2, 10, tzinfo=LONDON),
        datetime(2013, 12, 4, 10, tzinfo=LONDON),
        None,
    ),
]


def _costings(context: DemoContext) -> None:
    """Leeds' adviser days costed: one claim paid, one waiting for LGA finance.
    The demo officer costs, the programme manager approves (not the officer
    who costed), LGA finance pays."""
    bid = Application.objects.filter(
        call__title=AWARDED_CALL, lead_council__short_name="Leeds"
    ).first()
    if bid is None:
        return
    officer = User.objects.get(username="demo-officer")
    checker = User.objects.get(username="demo-manager")
    finance = User.objects.get(username="demo-lga-finance")
    made = 0
    for (start, end), days, invoice, costed_at, approved_at, paid_on in COSTINGS:
        if AdviserCosting.objects.filter(
            application=bid, claim__invoice_reference=invoice
        ).exists():
            continue
        costing = adviser_days_cost(
            application=bid,
            period_from=start,
            period_to=end,
            days=days,
            invoice_reference=invoice,
            actor=officer,
            at=costed_at,
        )
        claim = payments.claim_approve(claim=costing.claim, actor=checker, at=approved_at)
        if paid_on is not None:
            payments.claim_pay(
                claim=claim, actor=finance, paid_on=paid_on, reference=f"LGA-{invoice}"
            )
        made += 1
    context.write(f"Growth Advisers: {made} new costings of adviser days")


def load(context: DemoContext) -> None:
    load_leeds_user(context)
    advisers = {
        name: adviser_upsert(
            actor=DEMO,
            name=name,
            source=source,
            organisation=organisation,
            expertise=areas,
            on=PANEL_JOINED,
        )
        for name, source, organisation, areas in ADVISERS
    }
    officer = User.objects.get(username="demo-officer")
    call = _awarded_call()
    logged = 0
    for short_name, title, areas, asked, awarded, adviser, days in AWARDS:
        council = Council.objects.get(short_name=short_name)
        bid = Application.objects.filter(call=call, lead_council=council, title=title).first()
        if bid is None:
            bid = _award(call, council, title, areas, asked, awarded, officer)
        if adviser and not AdviserMatch.objects.filter(application=bid).exists():
            adviser_match(application=bid, adviser=advisers[adviser], actor=officer, at=AWARD_AT)
        if not AdviserDay.objects.filter(application=bid).exists():
            for worked_on, count, description in days:
                adviser_days_log(
                    application=bid,
                    worked_on=worked_on,
                    days=count,
                    description=description,
                    actor=officer,
                )
                logged += 1
    context.write(
        f"Growth Advisers panel: {len(advisers)} advisers; awards: {len(AWARDS)}; "
        f"adviser day logs added: {logged}"
    )
    context.complete_2013(lambda: _costings(context))
