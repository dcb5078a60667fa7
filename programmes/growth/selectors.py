"""Reads for the Growth Advisers pages and admin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from applications.models import Application
from programmes.growth.models import SUPPORT_AREAS, Adviser, AdviserDay, AdviserMatch


def advisers_suggested(*, application: Application) -> QuerySet[Adviser]:
    """Advisers on the panel whose expertise covers every support area of the bid."""
    detail = getattr(application, "growth_detail", None)
    covers = Q(active=True)
    if detail is not None:
        for field, _ in SUPPORT_AREAS:
            if getattr(detail, field):
                covers &= Q(**{field: True})
    return Adviser.objects.filter(covers).order_by("name", "pk")


@dataclass(frozen=True)
class AdviserDays:
    """What a council sees: the award, the days used and left, and each log."""

    awarded: int
    used: Decimal
    match: AdviserMatch | None
    logs: list[AdviserDay]

    @property
    def left(self) -> Decimal:
        return Decimal(self.awarded) - self.used


def adviser_days_for(*, application: Application) -> AdviserDays:
    """Two queries: the match (with its adviser) and the logs (with theirs)."""
    match = AdviserMatch.objects.filter(application=application).select_related("adviser").first()
    logs = list(
        AdviserDay.objects.filter(application=application)
        .select_related("adviser")
        .order_by("worked_on", "pk")
    )
    return AdviserDays(
        awarded=application.award_days or 0,
        used=sum((log.days for log in logs), Decimal(0)),
        match=match,
        logs=logs,
    )
