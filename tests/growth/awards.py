"""An approved Growth Advisers bid and a panel, made through the services."""

from __future__ import annotations

from applications import services
from applications.models import Application
from programmes.growth.models import Adviser, AdviserSource
from programmes.growth.services import adviser_upsert
from programmes.permissions import SYSTEM
from tests.applications.bids import bid_in_assessment


def growth_award(call, council, applicant, officer, days: int = 10) -> Application:
    """Approved with `days` adviser days; support areas: strategy, inward investment."""
    bid = bid_in_assessment(call, council, applicant, officer)
    return services.application_approve(application=bid, actor=officer, award_days=days)


def panel() -> dict[str, Adviser]:
    return {
        "covers": adviser_upsert(
            actor=SYSTEM,
            name="Casey Covers",
            source=AdviserSource.BUSINESS,
            expertise=["support_strategy", "support_inward_investment", "support_business"],
        ),
        "partial": adviser_upsert(
            actor=SYSTEM,
            name="Pat Partial",
            source=AdviserSource.PEER,
            expertise=["support_strategy"],
        ),
        "other": adviser_upsert(
            actor=SYSTEM,
            name="Olu Other",
            source=AdviserSource.HOUSING_ASSOCIATION,
            expertise=["support_regeneration"],
        ),
    }
