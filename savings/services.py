"""PLACEHOLDER written on the bids branch: the savings branch replaces this file.

Only the interface the bids lifecycle needs: recording the investment of an
approved award. The real service (savings branch) also marks the rollups'
outbox in the same transaction; the integrator keeps that one at merge.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from programmes.models import Council, Strand
from savings.models import Investment

if TYPE_CHECKING:
    from applications.models import Application


def investment_record(
    *,
    strand: Strand,
    council: Council,
    source: str,
    financial_year: str,
    amount: Decimal,
    application: Application | None = None,
    description: str = "",
) -> Investment:
    with transaction.atomic():
        investment = Investment(
            strand=strand,
            council=council,
            source=source,
            financial_year=financial_year,
            amount=amount,
            application=application,
            description=description,
        )
        investment.full_clean()
        investment.save()
        return investment
