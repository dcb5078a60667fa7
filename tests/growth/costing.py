"""A matched Growth award with days logged, and its days costed, through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from programmes.growth.models import AdviserCosting, AdviserSource
from programmes.growth.services import (
    adviser_days_cost,
    adviser_days_log,
    adviser_match,
    adviser_upsert,
)
from programmes.permissions import SYSTEM
from tests.growth.awards import growth_award

ORGANISATION = "Example Growth Partnership (fictional)"
# Days logged on the award: (date, days).
LOGGED = ((date(2013, 9, 18), "1.5"), (date(2013, 10, 9), "2"), (date(2013, 11, 13), "2.5"))
SEPT_OCT = (date(2013, 9, 1), date(2013, 10, 31))
NOVEMBER = (date(2013, 11, 1), date(2013, 11, 30))


def matched_award(call, council, applicant, officer, days: int = 10):
    """Approved for `days` days, matched to an adviser of ORGANISATION, with LOGGED logged."""
    bid = growth_award(call, council, applicant, officer, days=days)
    adviser = adviser_upsert(
        actor=SYSTEM,
        name="Gale Growth",
        source=AdviserSource.LOCAL_PARTNERSHIPS,
        organisation=ORGANISATION,
        expertise=["support_strategy"],
    )
    adviser_match(application=bid, adviser=adviser, actor=officer)
    for worked_on, count in LOGGED:
        adviser_days_log(application=bid, worked_on=worked_on, days=Decimal(count), actor=officer)
    return bid


def cost(bid, period=SEPT_OCT, days="3.5", invoice="EGP-101", actor=SYSTEM) -> AdviserCosting:
    return adviser_days_cost(
        application=bid,
        period_from=period[0],
        period_to=period[1],
        days=Decimal(days) if days is not None else None,
        invoice_reference=invoice,
        actor=actor,
    )
