"""Demo One Public Estate: the 12 pilots, their plans awaiting sign-off, the
Cabinet Office resource allocated to each, and the May workshop and 25 June launch.

Board paper paras 2-5. Para 4: the Cabinet Office resource comes to "around
£23,000 each, if distributed equally" across the 12 pilot councils (para 3's
footnote lists them); each allocation is recorded through
`programmes.ope.services.pilot_resource_allocate`, which records the
investment through the savings service. Para 5: the LGA and the Cabinet
Office will be signing off the plans "in the coming few weeks", so every plan
is sent and awaits sign-off. The paper does not describe the plans or name
each pilot's partners, so the plans' text is marked illustrative and no
partners are invented.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from programmes.demo import DemoContext
from programmes.models import Council, Strand, User
from programmes.ope import services
from programmes.ope.models import Event, EventKind, Pilot, PlanState, ProjectPlan
from programmes.permissions import DEMO
from programmes.roles import APPLICANT
from programmes.services import user_create
from savings.models import Investment, InvestmentSource

LONDON = ZoneInfo("Europe/London")
PILOTS = (
    "Bristol",
    "Cheshire West and Chester",
    "Essex",
    "Hampshire",
    "Hull",
    "Leeds",
    "Nottingham",
    "Portsmouth",
    "Sheffield",
    "Surrey",
    "Warrington",
    "Worcestershire",
)
PER_PILOT = Decimal("23000")
YEAR = "2013/14"
DESCRIPTION = "Cabinet Office resource for the pilot (about £23,000 each if shared equally)"
ALLOCATED_AT = datetime(2013, 6, 25, 10, tzinfo=LONDON)
SUBMITTED_AT = datetime(2013, 7, 1, 10, tzinfo=LONDON)
# Illustrative: the board paper does not describe the individual plans. Shown
# to the pilot council as its own words, so no note to the reader (issue 27).
PLAN_SUMMARY = (
    "Our plan, shared with the other pilots at the May workshop, for the LGA and "
    "the Cabinet Office to sign off."
)
# A fictional user of a pilot council, to see a plan page as the council does.
PILOT_USER = ("demo-surrey", "Sam", "Specimen", "Surrey")


def _pilot_user(context: DemoContext) -> None:
    username, first, last, council_name = PILOT_USER
    council = Council.objects.get(short_name=council_name)
    user = User.objects.filter(username=username).first()
    if user is None or context.reset_passwords:
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
                council=council,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
    else:
        password = "(unchanged: run load_demo --reset-passwords to see a new one)"  # noqa: S105
    context.logins.append((f"{APPLICANT}, {council.name}", username, password))


def _allocate(pilot: Pilot) -> bool:
    """Allocate the pilot's resource once; adopt an investment an older demo recorded."""
    if pilot.allocations.exists():
        return False
    earlier = Investment.objects.filter(
        strand__key="ope",
        council=pilot.council,
        source=InvestmentSource.CABINET_OFFICE,
        financial_year=YEAR,
        ope_allocation__isnull=True,
    ).first()
    if earlier is not None:
        services.pilot_investment_adopt(
            actor=DEMO, pilot=pilot, investment=earlier, at=ALLOCATED_AT
        )
    else:
        services.pilot_resource_allocate(
            pilot=pilot,
            amount=PER_PILOT,
            actor=DEMO,
            financial_year=YEAR,
            at=ALLOCATED_AT,
            description=DESCRIPTION,
        )
    return True


def _events(councils: list[Council]) -> None:
    if not Event.objects.filter(kind=EventKind.WORKSHOP, held_on__year=2013).exists():
        services.event_save(
            actor=DEMO,
            title="One Public Estate pilots' workshop",
            kind=EventKind.WORKSHOP,
            held_on=date(2013, 5, 1),
            month_only=True,
            venue="Smith Square, London",
            description=(
                "A successful workshop, where local authorities shared their plans and heard "
                "from key central government representatives."
            ),
            councils=councils,
            other_organisations="Local Government Association\nCabinet Office",
        )
    if not Event.objects.filter(kind=EventKind.LAUNCH, held_on=date(2013, 6, 25)).exists():
        services.event_save(
            actor=DEMO,
            title="One Public Estate launch",
            kind=EventKind.LAUNCH,
            held_on=date(2013, 6, 25),
            venue="Guildford fire station",
            # Para 3: who attended, by role only (no person's name from the source).
            description=(
                "The formal public launch of the programme, attended by the Chairman of the "
                "LGA, the Parliamentary Under Secretary of State for the Cabinet Office and "
                "the Leader of Surrey County Council."
            ),
            councils=[c for c in councils if c.short_name == "Surrey"],
            other_organisations="Local Government Association\nCabinet Office",
        )


def load(context: DemoContext) -> None:
    Strand.objects.get(key="ope")
    councils = [Council.objects.get(short_name=name) for name in PILOTS]
    allocated = 0
    for council in councils:
        pilot = Pilot.objects.filter(council=council).first() or services.pilot_save(
            actor=DEMO, council=council, wave=1
        )
        if not ProjectPlan.objects.filter(pilot=pilot).exists():
            plan = services.plan_save(
                actor=DEMO,
                pilot=pilot,
                title=f"{council.name}: One Public Estate project plan",
                summary=PLAN_SUMMARY,
            )
            services.plan_submit(plan=plan, actor=DEMO, at=SUBMITTED_AT)
        allocated += _allocate(pilot)
    _events(councils)
    _pilot_user(context)
    awaiting = ProjectPlan.objects.filter(state=PlanState.SUBMITTED).count()
    context.write(
        f"One Public Estate pilots: {len(PILOTS)} ({allocated} newly allocated); "
        f"plans awaiting sign-off: {awaiting}"
    )
