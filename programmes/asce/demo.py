"""Demo ASCE returns: the 2012/13 figures of the board paper (paras 13.1-13.2).

Ten participating councils' returns, entered through the ASCE services. The
budgets and each council's percentages are illustrative, apportioned so that
the statistics the worker computes match the paper: first-year savings
averaging 5.7% of budget with a modal saving of 7%, and projections
averaging 5.7% (2013/14), 5.3% (2014/15) and 4.9% (2015/16).
"""

from __future__ import annotations

from decimal import Decimal

from programmes.asce.models import AsceReturn
from programmes.asce.services import asce_return_record
from programmes.demo import DemoContext
from programmes.models import Council

FIRST_YEAR = "2012/13"
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


def load(context: DemoContext) -> None:
    created = 0
    for short_name, budget_m, achieved, projected, themes in RETURNS:
        council = Council.objects.get(short_name=short_name)
        if AsceReturn.objects.filter(council=council, financial_year=FIRST_YEAR).exists():
            continue
        asce_return_record(
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
        )
        created += 1
    context.write(f"ASCE returns: {len(RETURNS)} ({created} new)")
