"""Demo ASCE returns: the 2012/13 figures of the board paper (paras 13.1-13.2).

Ten participating councils' returns, entered through the ASCE services. The
budgets and each council's percentages are illustrative, apportioned so that
the statistics the worker computes match the paper: first-year savings
averaging 5.7% of budget with a modal saving of 7%, and projections
averaging 5.7% (2013/14), 5.3% (2014/15) and 4.9% (2015/16).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.core.files.base import ContentFile

from programmes.asce.models import AsceReturn, PositionReport
from programmes.asce.services import (
    asce_event_upsert,
    asce_return_record,
    position_report_upsert,
    presentation_set,
)
from programmes.demo import DemoContext
from programmes.models import Council
from programmes.permissions import DEMO

FIRST_YEAR = "2012/13"
# The first year's returns were in by the end of June 2013 (the Interim
# Position report of 19 July 2013 reports them).
REPORTED_ON = date(2013, 6, 28)
PROJECTED_YEARS = ("2013/14", "2014/15", "2015/16")
ILLUSTRATIVE = (
    "Illustrative demo figures: apportioned so that the programme's averages match "
    "the 2013 board paper (para 13), not this council's real return."
)

# council, budget (£m), achieved %, projected % for 2013/14, 2014/15, 2015/16, themes
RETURNS = [
    ("Hackney", 120, "7", ("6", "5.5", "5"), ["theme_bureaucracy", "theme_procurement"]),
    ("Richmond upon Thames", 85, "7", ("6", "5.5", "5"), ["theme_admissions"]),
    ("Cumbria", 240, "7", ("5", "5", "4.5"), ["theme_admissions", "theme_buildings"]),
    ("Hertfordshire", 310, "3", ("5.5", "5", "4.5"), ["theme_carers"]),
    ("Lincolnshire", 150, "4", ("6.5", "6", "5.5"), ["theme_procurement"]),
    ("Camden", 95, "5", ("5", "4.5", "4"), ["theme_bureaucracy"]),
    ("Gloucestershire", 180, "6", ("6", "5.5", "5"), ["theme_admissions", "theme_carers"]),
    ("Essex", 330, "8", ("5.5", "5", "4.5"), ["theme_buildings", "theme_procurement"]),
    ("Leeds", 200, "4.5", ("6", "6", "5.5"), ["theme_carers", "theme_bureaucracy"]),
    ("Sheffield", 160, "5.5", ("5.5", "5", "5.5"), ["theme_admissions"]),
]


def _pounds(budget_millions: int, percent: str) -> Decimal:
    return Decimal(budget_millions) * Decimal(1_000_000) * Decimal(percent) / Decimal(100)


class EventSpec(TypedDict):
    title: str
    held_on: date
    description: str


EVENT: EventSpec = {
    "title": "ASCE programme event: launch of the Interim Position report",
    "held_on": date(2013, 7, 19),
    # Paras 11-12; what the day includes is its presentations.
    "description": (
        "The LGA hosts the programme's second event, marking the half-way point in the "
        "programme. The Interim Position report captures the lessons from the first year of "
        "the delivery phase, and develops evidence about how savings can be delivered for the "
        "benefit of all local authorities."
    ),
}
# (council short name or None, organisation, topic): paras 12.1-12.4, in order.
PRESENTATIONS = [
    (None, "Local Government Association", "The findings of the Interim Position report"),
    ("Hackney", "", "A participating council's experience of delivering efficiency savings"),
    (
        "Richmond upon Thames",
        "",
        "A participating council's experience of delivering efficiency savings",
    ),
    ("Cumbria", "", "A participating council's experience of delivering efficiency savings"),
    ("Hertfordshire", "", "The role of carer support"),
    (
        None,
        "Towards Excellence in Adult Social Care (TEASC) team",
        "Improvement tools",
    ),
    (
        None,
        "North East Purchasing Organisation (NEPO)",
        "North East Professional Services (NEPRO), a smart procurement route for consultancy",
    ),
]
PLACEHOLDER = (
    b"Demo placeholder for the ASCE 'Interim Position' report (July 2013).\n"
    b"The real report is not part of the demo data; this file shows the download working.\n"
)


def load_reports_and_event() -> None:
    event = asce_event_upsert(actor=DEMO, **EVENT)
    for order, (council, organisation, topic) in enumerate(PRESENTATIONS, start=1):
        presentation_set(
            actor=DEMO,
            event=event,
            display_order=order,
            council=Council.objects.get(short_name=council) if council else None,
            organisation=organisation,
            topic=topic,
        )
    position_report_upsert(
        actor=DEMO,
        slug="initial-position",
        title="Initial Position",
        report_date=date(2012, 12, 1),
        date_is_month_only=True,
        published=True,
        summary=(
            "The programme's first report, following its launch early in 2012: where "
            "participating councils started from (board paper para 10)."
        ),
    )
    interim = PositionReport.objects.filter(slug="interim-position").first()
    position_report_upsert(
        actor=DEMO,
        slug="interim-position",
        title="Interim Position",
        report_date=date(2013, 7, 19),
        published=True,
        launch_event=event,
        summary=(
            "The half-way point of the programme: lessons from the first year of the "
            "delivery phase, and evidence about how savings can be delivered for the "
            "benefit of all councils (board paper paras 11 and 13)."
        ),
        document=(
            None
            if interim is not None and interim.document
            else ContentFile(PLACEHOLDER, name="interim-position.txt")
        ),
    )


def load(context: DemoContext) -> None:
    load_reports_and_event()
    created = 0
    for short_name, budget_m, achieved, projected, themes in RETURNS:
        council = Council.objects.get(short_name=short_name)
        if AsceReturn.objects.filter(council=council, financial_year=FIRST_YEAR).exists():
            continue
        asce_return_record(
            actor=DEMO,
            council=council,
            financial_year=FIRST_YEAR,
            budget=Decimal(budget_m) * Decimal(1_000_000),
            savings_achieved=_pounds(budget_m, achieved),
            projections={
                year: _pounds(budget_m, percent)
                for year, percent in zip(PROJECTED_YEARS, projected, strict=True)
            },
            themes=themes,
            notes=ILLUSTRATIVE,
            # Before the 17 July 2013 paper, which reports the first year.
            reported_on=REPORTED_ON,
        )
        created += 1
    context.write(
        f"ASCE returns: {len(RETURNS)} ({created} new); position reports: 2; "
        f"events: 1 with {len(PRESENTATIONS)} presentations"
    )
