"""Demo One Public Estate investment: the 12 pilots' Cabinet Office resource.

Board paper para 4: the Cabinet Office resource comes to "around £23,000
each, if distributed equally" across the 12 pilot councils (para 3's
footnote lists them). Entered through `savings.services.investment_record`.
"""

from __future__ import annotations

from decimal import Decimal

from programmes.demo import DemoContext
from programmes.models import Council, Strand
from savings.models import Investment, InvestmentSource
from savings.services import investment_record

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


def load(context: DemoContext) -> None:
    ope = Strand.objects.get(key="ope")
    created = 0
    for short_name in PILOTS:
        council = Council.objects.get(short_name=short_name)
        exists = Investment.objects.filter(
            strand=ope, council=council, source=InvestmentSource.CABINET_OFFICE, financial_year=YEAR
        ).exists()
        if exists:
            continue
        investment_record(
            strand=ope,
            council=council,
            source=InvestmentSource.CABINET_OFFICE,
            financial_year=YEAR,
            amount=PER_PILOT,
            description=DESCRIPTION,
        )
        created += 1
    context.write(f"One Public Estate pilots funded: {len(PILOTS)} ({created} new)")
