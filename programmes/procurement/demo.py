"""The National Procurement Strategy as the 2013 board paper reports it (paras 19-28).

The paper reports progress, not red/amber/green ratings: the statuses and due
dates below are illustrative, chosen to show the board's table working, and
say so in each activity's status note.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NotRequired, TypedDict
from zoneinfo import ZoneInfo

from programmes.demo import DemoContext
from programmes.models import Council, User
from programmes.permissions import DEMO
from programmes.procurement.models import (
    RAG,
    BoardMemberKind,
    MilestoneStatus,
    Workstream,
    WorkstreamSaving,
)
from programmes.procurement.services import (
    activity_upsert,
    board_member_add,
    deadline_set,
    issue_raise,
    milestone_upsert,
    objective_set,
    workstream_saving_record,
    workstream_upsert,
)
from savings.models import SavingsKind

ILLUSTRATIVE = "Illustrative status for the demo; the 2013 paper gives none"


class WorkstreamSpec(TypedDict):
    slug: str
    name: str
    lead: str  # the lead council's short name
    summary: str
    key_facts: str
    objectives: list[str]
    activities: list[tuple[str, str, date]]  # title, RAG status, due on
    issues: list[str]
    deadlines: list[tuple[str, date, str]]  # report to, due on, description
    members: list[tuple[str, str]]  # board member kind, organisation


class MilestoneSpec(TypedDict):
    title: str
    due_on: date
    status: str
    description: str
    date_is_month_only: NotRequired[bool]


class SavingSpec(TypedDict):
    council: str  # short name
    financial_year: str
    kind: str
    amount: Decimal
    evidence: str
    note: str


WORKSTREAMS: list[WorkstreamSpec] = [
    {
        "slug": "construction",
        "name": "Construction",
        "lead": "Lincolnshire",
        "summary": "",
        "key_facts": (
            "Council-funded construction works have dropped, particularly as a result of the "
            "shift of social housing to ALMOs and the closure of the Building Schools for the "
            "Future programme."
        ),
        "objectives": [
            "Establish whether there is a business case for collaboration in this spend category",
        ],
        "activities": [
            ("Map frameworks currently available to authorities", RAG.GREEN, date(2013, 9, 30)),
            ("Map the supply chain of construction materials", RAG.AMBER, date(2013, 10, 31)),
            ("Collate best practice", RAG.GREEN, date(2013, 11, 29)),
        ],
        "issues": [],
        "deadlines": [],
        "members": [(BoardMemberKind.PBO, "the public buying organisations (PBOs)")],
    },
    {
        "slug": "energy",
        "name": "Energy",
        "lead": "Gloucestershire",
        "summary": (
            "This builds on the previous Pan Government Energy Project, which encouraged "
            "councils to join established collaborative arrangements."
        ),
        "key_facts": (
            "Around 230 councils buy energy through just four Central Purchasing Bodies; "
            "others buy directly or in smaller collaborative partnerships."
        ),
        "objectives": [
            "Decide whether to rationalise the current number of buying arrangements",
            "Find how to reduce demand, or obtain alternative energy creation schemes",
        ],
        "activities": [
            ("Review the current buying arrangements", RAG.GREEN, date(2013, 8, 30)),
            ("Options for reducing demand and for energy creation", RAG.AMBER, date(2013, 9, 13)),
        ],
        "issues": [
            "Complexity of approaches to risk management",
            "Overcharging on tariffs",
            "Duplication of effort",
            "Costly energy reduction technology",
        ],
        "deadlines": [
            (
                "the National Advisory Group and the LGA",
                # The September meeting (programmes/board/demo.py, NEXT_MEETING).
                date(2013, 9, 18),
                "By September's Improvement and Innovation Board",
            )
        ],
        "members": [(BoardMemberKind.PBO, "the public buying organisations (PBOs)")],
    },
    {
        "slug": "ict",
        "name": "ICT",
        "lead": "Camden",
        "summary": (
            "Camden has been working with London Councils for the last year or so: this work "
            "stream is already well underway and savings have been generated."
        ),
        "key_facts": (
            "The Government Procurement Service has seconded three full-time staff to the "
            "project. Supplier relationship development is a key delivery theme."
        ),
        "objectives": [
            "Replicate the London work nationally, with different regions leading on specific "
            "activities",
        ],
        "activities": [
            (
                "Build upon existing regional and national alliances and networks to drive "
                "commercial improvements and technology innovation",
                RAG.GREEN,
                date(2013, 12, 20),
            ),
            ("Supplier relationship development", RAG.GREEN, date(2014, 1, 31)),
        ],
        "issues": [],
        "deadlines": [],
        "members": [
            (BoardMemberKind.GOVERNMENT, "the Government Procurement Service (GPS)"),
            (BoardMemberKind.PBO, "London Councils"),
            (BoardMemberKind.PBO, "the public buying organisations (PBOs)"),
        ],
    },
]

EU_MILESTONES: list[MilestoneSpec] = [
    {
        "title": "Deal on the Procurement and Concessions Directives",
        # The source says "On the 26th July", in a paper for 17 July that calls
        # 19 July still to come: the provisional agreement was reached in June
        # 2013 (docs/board.md, "The July 2013 paper"), so the demo dates it 26 June.
        "due_on": date(2013, 6, 26),
        "status": MilestoneStatus.REACHED,
        "description": (
            "The European Parliament reached a deal with member states on both the new "
            "Procurement Directive and the new Service Concessions Directive."
        ),
    },
    {
        "title": "European Parliament plenary vote on the agreed text",
        "due_on": date(2013, 9, 1),
        "date_is_month_only": True,
        "status": MilestoneStatus.DUE,
        "description": (
            "The European Parliament will have to rubber stamp the provisional agreement in "
            "its plenary session."
        ),
    },
]


# Para 24.1: Camden's ICT work with London Councils "is already well underway
# and savings have been generated". The paper gives no amount: this figure is
# illustrative, and its evidence says so.
ICT_SAVING_REPORTED = date(2013, 6, 28)
ICT_SAVING_VERIFIED = datetime(2013, 7, 3, 10, tzinfo=ZoneInfo("Europe/London"))
ICT_SAVING: SavingSpec = {
    "council": "Camden",
    "financial_year": "2012/13",
    "kind": SavingsKind.REALISED,
    "amount": Decimal("250000"),
    "evidence": (
        "Illustrative figure for the demo: the 2013 board paper (para 24.1) reports that "
        "Camden's work with London Councils has generated savings, but gives no amount."
    ),
    "note": "Generated with London Councils (illustrative amount)",
}


def load_savings() -> int:
    ict = Workstream.objects.get(slug="ict")
    if WorkstreamSaving.objects.filter(workstream=ict).exists():
        return 0
    spec = ICT_SAVING
    # Recorded and verified by the demo officer, who is its verifier.
    workstream_saving_record(
        actor=User.objects.get(username="demo-officer"),
        workstream=ict,
        council=Council.objects.get(short_name=spec["council"]),
        financial_year=spec["financial_year"],
        kind=spec["kind"],
        amount=spec["amount"],
        evidence=spec["evidence"],
        note=spec["note"],
        verified=True,
        # Before the 17 July 2013 paper, which reports it (para 24.1).
        reported_on=ICT_SAVING_REPORTED,
        verified_at=ICT_SAVING_VERIFIED,
    )
    return 1


# The day the demo's workstream records stand from: as the 17 July 2013 paper
# reports them (its figures of 9 July), like the activities' statuses.
AS_REPORTED = date(2013, 7, 1)


def load(context: DemoContext) -> None:
    for order, spec in enumerate(WORKSTREAMS, start=1):
        workstream = workstream_upsert(
            actor=DEMO,
            slug=spec["slug"],
            name=spec["name"],
            lead_council=Council.objects.get(short_name=spec["lead"]),
            summary=spec["summary"],
            key_facts=spec["key_facts"],
            display_order=order,
            lead_joined_on=AS_REPORTED,
        )
        for kind, organisation in spec["members"]:
            board_member_add(
                actor=DEMO,
                workstream=workstream,
                kind=kind,
                organisation=organisation,
                joined_on=AS_REPORTED,
            )
        for position, text in enumerate(spec["objectives"], start=1):
            objective_set(actor=DEMO, workstream=workstream, text=text, display_order=position)
        for title, status, due_on in spec["activities"]:
            activity_upsert(
                actor=DEMO,
                workstream=workstream,
                title=title,
                status=status,
                due_on=due_on,
                status_note=ILLUSTRATIVE,
                status_on=AS_REPORTED,
            )
        for description in spec["issues"]:
            issue_raise(
                actor=DEMO,
                workstream=workstream,
                description=description,
                raised_on=AS_REPORTED,
            )
        for report_to, due_on, description in spec["deadlines"]:
            deadline_set(
                actor=DEMO,
                workstream=workstream,
                report_to=report_to,
                due_on=due_on,
                description=description,
                recorded_on=AS_REPORTED,
            )
    for milestone in EU_MILESTONES:
        milestone_upsert(actor=DEMO, **milestone)
    added = load_savings()
    context.write(
        f"Procurement workstreams: {len(WORKSTREAMS)}; EU milestones: {len(EU_MILESTONES)}; "
        f"workstream savings added: {added}"
    )
