"""Builders for savings return tests: an award with a reporting schedule."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from applications import services as bids
from applications.models import Application
from programmes.permissions import SYSTEM
from programmes.returns import services as return_services
from programmes.returns.models import SavingsReturn
from savings.models import SavingsKind
from tests.applications.bids import bid_in_assessment
from tests.factories import ReportingCallFactory

LONDON = ZoneInfo("Europe/London")
# The award date of every test award: its returns are quarterly, from the
# quarter it falls in (1 October to 31 December 2013, due 30 January 2014).
AWARDED = datetime(2013, 10, 3, 10, tzinfo=LONDON)


def award(council, strand=None, **call) -> Application:
    """An approved bid of the council on a call with quarterly returns."""
    factory_fields = {"strand": strand} if strand is not None else {}
    bid = bid_in_assessment(ReportingCallFactory(**factory_fields, **call), council, SYSTEM, SYSTEM)
    return bids.application_approve(
        application=bid, actor=SYSTEM, award_amount=Decimal("8000"), at=AWARDED, notify=False
    )


def first_return(application: Application, council=None) -> SavingsReturn:
    """The first return of the award's lead council (or of `council`, a partner)."""
    council_id = council.pk if council is not None else application.lead_council_id
    return (
        application.savings_returns.filter(council_id=council_id).order_by("period_start").first()
    )


def line(savings_return: SavingsReturn, amount: str = "1000", **fields):
    values = {
        "financial_year": "2013/14",
        "kind": SavingsKind.REALISED,
        "evidence": "Invoices checked by the finance team",
        **fields,
    }
    return return_services.return_line_add(
        actor=SYSTEM, savings_return=savings_return, amount=Decimal(amount), **values
    )


def send(savings_return: SavingsReturn) -> SavingsReturn:
    return return_services.return_submit(
        actor=SYSTEM, savings_return=savings_return, declaration_name="Avery Sample", confirmed=True
    )
