"""Reads of savings returns that pages share (docs/savings.md, "The reporting cycle")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import Http404
from django.utils import timezone

from programmes.models import Council, Strand, User
from programmes.returns.models import RECEIVED_STATES, SETTLED_STATES, ReturnState, SavingsReturn
from savings.models import SavingsEntry


def due_by_condition(today: date) -> Q:
    """Due on or before `today` (the extension, if there is one), not waived."""
    due = Q(extended_to__isnull=True, due_on__lte=today) | Q(extended_to__lte=today)
    return due & ~Q(state=ReturnState.WAIVED)


def overdue_condition(today: date) -> Q:
    """Not settled and past its due date (the extension if there is one)."""
    due = Q(extended_to__isnull=True, due_on__lt=today) | Q(extended_to__lt=today)
    return due & ~Q(state__in=SETTLED_STATES)


def returns_for_application(
    *, application_id: int, today: date | None = None
) -> list[SavingsReturn]:
    """An award's returns, in period order, with their lines' count and
    `is_late` (overdue as everywhere else, `overdue_condition`)."""
    today = today or timezone.localdate()
    return list(
        SavingsReturn.objects.filter(application_id=application_id)
        .annotate(
            line_count=Count("lines"),
            is_late=ExpressionWrapper(overdue_condition(today), output_field=BooleanField()),
        )
        .order_by("period_start")
    )


# How many overdue returns the banner names; it says how many more there are.
OVERDUE_NAMED = 3


@dataclass
class ReturnsDue:
    """What a council owes: its overdue returns (the first few, oldest first,
    and how many in all), then its next return not yet due."""

    next_return: SavingsReturn | None
    overdue: int
    overdue_returns: list[SavingsReturn] = field(default_factory=list)

    @property
    def overdue_more(self) -> int:
        """Overdue returns not named."""
        return self.overdue - len(self.overdue_returns)


def returns_due_for_council(
    *, council: Council, application_id: int | None = None, today: date | None = None
) -> ReturnsDue:
    """For the council's home page, or one award's page: two queries (three
    when it owes more returns than the banner names)."""
    today = today or timezone.localdate()
    owed = SavingsReturn.objects.filter(application__lead_council=council).exclude(
        state__in=SETTLED_STATES
    )
    if application_id is not None:
        owed = owed.filter(application_id=application_id)
    late = owed.filter(overdue_condition(today))
    named = list(late.select_related("application").order_by("due_on", "pk")[:OVERDUE_NAMED])
    # Counted only when there may be more than those named.
    overdue = late.count() if len(named) == OVERDUE_NAMED else len(named)
    upcoming = (
        owed.exclude(overdue_condition(today))
        .select_related("application")
        .order_by("due_on", "pk")
        .first()
    )
    return ReturnsDue(next_return=upcoming, overdue=overdue, overdue_returns=named)


def return_get_for_council(*, council: Council | None, pk: int) -> SavingsReturn | None:
    """A return of the council's awards; None for another council's (404)."""
    if council is None:
        return None
    return (
        SavingsReturn.objects.filter(pk=pk, application__lead_council=council)
        .select_related("application__call__strand", "application__lead_council", "submitted_by")
        .first()
    )


def return_get_for_user(*, user: User, pk: int) -> SavingsReturn:
    """A return of the user's council's awards; 404 for anyone else's, so
    others learn nothing (not even that it exists)."""
    savings_return = return_get_for_council(council=user.council, pk=pk)
    if savings_return is None:
        raise Http404("No return of your council has this number")
    return savings_return


def return_lines(*, savings_return: SavingsReturn) -> list[SavingsEntry]:
    return list(savings_return.lines.order_by("financial_year", "pk"))


@dataclass
class ReturnsPeriodRow:
    period_start: date
    period_end: date
    due: int = 0
    received: int = 0
    verified: int = 0
    overdue: int = 0


@dataclass
class ReturnsSummary:
    """The board's returns table: per period, returns due, received (sent and
    not taken back), verified and overdue; and the share of awards up to date
    (no overdue return)."""

    periods: list[ReturnsPeriodRow] = field(default_factory=list)
    awards: int = 0
    awards_up_to_date: int = 0

    @property
    def share_up_to_date(self) -> int | None:
        """Per cent, rounded; None when no award reports."""
        if not self.awards:
            return None
        return round(100 * self.awards_up_to_date / self.awards)


def returns_summary(
    *, strand: Strand | None = None, council: Council | None = None, today: date | None = None
) -> ReturnsSummary:
    """Two grouped queries whatever the number of returns: one by period,
    one by award. Only returns due by today count as due."""
    today = today or timezone.localdate()
    returns = SavingsReturn.objects.all()
    if strand is not None:
        returns = returns.filter(application__call__strand=strand)
    if council is not None:
        returns = returns.filter(application__lead_council=council)
    overdue = overdue_condition(today)
    due_now = due_by_condition(today)
    rows = (
        returns.values("period_start", "period_end")
        .annotate(
            due=Count("pk", filter=due_now),
            received=Count("pk", filter=Q(state__in=RECEIVED_STATES)),
            verified=Count("pk", filter=Q(state=ReturnState.VERIFIED)),
            overdue=Count("pk", filter=overdue),
        )
        .filter(Q(due__gt=0) | Q(received__gt=0))
        .order_by("period_start", "period_end")
    )
    summary = ReturnsSummary(periods=[ReturnsPeriodRow(**row) for row in rows])
    awards = returns.values("application_id").annotate(late=Count("pk", filter=overdue))
    counts = awards.aggregate(
        awards=Count("application_id"), up_to_date=Count("application_id", filter=Q(late=0))
    )
    summary.awards = counts["awards"] or 0
    summary.awards_up_to_date = counts["up_to_date"] or 0
    return summary
