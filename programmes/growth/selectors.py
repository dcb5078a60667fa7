"""Reads for the Growth Advisers pages and admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

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


def adviser_days_used_total(*, as_at: date | None = None) -> Decimal:
    """Adviser days used across every award: those worked by the end of
    `as_at` (`worked_on`), if given (1 query)."""
    days = AdviserDay.objects.all()
    if as_at is not None:
        days = days.filter(worked_on__lte=as_at)
    return days.aggregate(days=Sum("days"))["days"] or Decimal(0)


def panel(*, as_at: date | None = None) -> QuerySet[Adviser]:
    """The advisers on the panel: now, those on it; as at a date, those who
    had joined by it and not yet left (`joined_on`, `left_on`)."""
    if as_at is None:
        return Adviser.objects.filter(active=True)
    return Adviser.objects.filter(joined_on__lte=as_at).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=as_at)
    )
