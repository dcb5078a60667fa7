"""Reads of savings returns that pages share (docs/savings.md, "The reporting cycle")."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.selectors import application_get_for_user
from programmes.models import Council, Strand, User
from programmes.returns.models import RECEIVED_STATES, ReturnState, SavingsReturn
from programmes.selectors import council_ids_readable
from savings.models import Investment, SavingsEntry


@dataclass(frozen=True)
class ReturnsAsAt:
    """Which savings returns are due, received, verified and overdue as at a
    date: the one definition every page uses (strand, council and paper on the
    board, the officers' queues and list, the council's banner, award and
    return pages). Each is a condition on `SavingsReturn`.

    - due: its due date as it stood then (an extension counts from when it
      was given, `extended_at`) is on or before the date, and it had not been
      waived by then;
    - received: sent by the end of the date and not taken back (sent, verified
      or partly verified; `submitted_at`);
    - verified: verified by the end of the date (`decided_at`);
    - settled: received, or waived by the end of the date: nothing is owed;
    - overdue: its due date is before the date and it was not settled by then.

    A return keeps one state, so a return later sent back or withdrawn counts
    as not received at every date, and before its latest extension was given
    it was due on its original date (docs/savings.md, "As at a date")."""

    as_at: date
    due: Q
    received: Q
    verified: Q
    settled: Q
    overdue: Q


# The officers' queues (the returns list's filter and the admin home): a
# return received and not yet decided on. One awaiting its finance officer's
# certification is still at the council, in a queue of its own.
AWAITING_VERIFICATION = Q(state=ReturnState.SUBMITTED)
AWAITING_CERTIFICATION = Q(state=ReturnState.AWAITING_CERTIFICATION)


def returns_as_at(as_at: date | None = None) -> ReturnsAsAt:
    """The conditions as at `as_at` (default today); no query."""
    as_at = as_at or timezone.localdate()
    # What happened on the date happened by it: up to its end, local time.
    by = timezone.make_aware(datetime.combine(as_at + timedelta(days=1), time.min))
    sent = Q(submitted_at__isnull=True) | Q(submitted_at__lt=by)
    decided = Q(decided_at__isnull=True) | Q(decided_at__lt=by)
    received = Q(state__in=RECEIVED_STATES) & sent
    waived = Q(state=ReturnState.WAIVED) & decided
    settled = received | waived
    # The due date as it stood: an extension counts from when it was given.
    extended = Q(extended_to__isnull=False) & (Q(extended_at__isnull=True) | Q(extended_at__lt=by))
    not_extended = Q(extended_to__isnull=True) | Q(extended_at__isnull=False, extended_at__gte=by)
    due_by = (not_extended & Q(due_on__lte=as_at)) | (extended & Q(extended_to__lte=as_at))
    past_due = (not_extended & Q(due_on__lt=as_at)) | (extended & Q(extended_to__lt=as_at))
    return ReturnsAsAt(
        as_at=as_at,
        due=due_by & ~waived,
        received=received,
        verified=Q(state=ReturnState.VERIFIED) & decided,
        settled=settled,
        overdue=past_due & ~settled,
    )


def returns_with_status(
    returns: QuerySet[SavingsReturn], *, as_at: date | None = None
) -> QuerySet[SavingsReturn]:
    """The returns, each with `is_late`: overdue as at the date (`returns_as_at`)."""
    late = returns_as_at(as_at).overdue
    return returns.annotate(is_late=ExpressionWrapper(late, output_field=BooleanField()))


def returns_for_application(
    *,
    application_id: int,
    council_id: int | None = None,
    council_ids: Collection[int] | None = None,
    as_at: date | None = None,
) -> list[SavingsReturn]:
    """An award's returns (every council's, one council's, or those of
    `council_ids`), in period order, the lead council's first in each period,
    with their lines' count and `is_late` (`returns_with_status`)."""
    returns = SavingsReturn.objects.filter(application_id=application_id)
    if council_id is not None:
        returns = returns.filter(council_id=council_id)
    if council_ids is not None:
        returns = returns.filter(council_id__in=council_ids)
    lead_first = ExpressionWrapper(
        Q(council_id=F("application__lead_council_id")), output_field=BooleanField()
    )
    return list(
        returns_with_status(returns, as_at=as_at)
        .select_related("council")
        .annotate(line_count=Count("lines"), is_lead=lead_first)
        .order_by("period_start", "-is_lead", "council__name")
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
    *, council: Council, application_id: int | None = None, as_at: date | None = None
) -> ReturnsDue:
    """For the council's home page, or one award's page: one query, the
    owed returns overdue first, then the rest, each by due date, as many as
    the banner names and one more; three when that one is overdue too (the
    count, and the next return not yet due). Overdue and owed as at the date
    (`returns_as_at`, default today).

    One query where there were two (three) because each compiled the
    conditions of `returns_as_at` again: a quarter of the CPU of a council's
    bids list (5 ms; issue 26)."""
    status = returns_as_at(as_at)
    owed = SavingsReturn.objects.filter(council=council).exclude(status.settled)
    if application_id is not None:
        owed = owed.filter(application_id=application_id)
    first = list(
        owed.annotate(is_late=ExpressionWrapper(status.overdue, output_field=BooleanField()))
        .select_related("application")
        .order_by(F("is_late").desc(nulls_last=True), "due_on", "pk")[: OVERDUE_NAMED + 1]
    )
    named = cast("list[SavingsReturn]", [row for row in first if row.is_late][:OVERDUE_NAMED])
    upcoming = next((row for row in first if not row.is_late), None)
    if all(row.is_late for row in first) and len(first) > OVERDUE_NAMED:
        # More overdue than the banner names: count them, find the next one.
        late = owed.filter(status.overdue)
        return ReturnsDue(
            next_return=owed.exclude(status.overdue)
            .select_related("application")
            .order_by("due_on", "pk")
            .first(),
            overdue=late.count(),
            overdue_returns=named,
        )
    return ReturnsDue(next_return=upcoming, overdue=len(named), overdue_returns=named)


def return_get_for_council(*, council: Council | None, pk: int) -> SavingsReturn | None:
    """The council's own return (of an award it leads, or serves as a partner),
    with `is_late` as at today (`returns_with_status`); None for another
    council's (404)."""
    if council is None:
        return None
    returns = SavingsReturn.objects.filter(pk=pk, council=council)
    return (
        returns_with_status(returns)
        .select_related(
            "application__call__strand", "application__lead_council", "council", "submitted_by"
        )
        .first()
    )


def return_get_for_user(*, user: User, pk: int, read_only: bool = False) -> SavingsReturn:
    """The user's council's own return; 404 for anyone else's, so others
    learn nothing (not even that it exists). `read_only` (pages that only
    show it): also a partner's return on an award the user's council leads,
    and a return of a council the user's council succeeded (docs/security.md,
    "Partners, successors and predecessors"; docs/savings.md, "Shared
    awards"). A partner never reads another council's return."""
    savings_return = return_get_for_council(council=user.council, pk=pk)
    if savings_return is None and read_only:
        readable = council_ids_readable(user.council_id)
        returns = SavingsReturn.objects.filter(
            Q(council_id__in=readable) | Q(application__lead_council_id__in=readable), pk=pk
        )
        savings_return = (
            returns_with_status(returns)
            .select_related("application__call__strand", "application__lead_council", "council")
            .first()
        )
    if savings_return is None:
        raise Http404("No return of your council has this number")
    return savings_return


# How a council user reads a return that is not their council's own
# (`return_reader`): the return of a partner on an award their council
# leads, a return of a council their council succeeded, or a partner's
# return on the award of a council their council succeeded.
LEAD_READS_PARTNER = "lead"
SUCCESSOR_READS = "successor"
LEAD_SUCCESSOR_READS_PARTNER = "lead_successor"


def return_reader(*, user: User, savings_return: SavingsReturn) -> str | None:
    """As whom the user reads the return: None for their own council's
    (theirs to change), else one of the three above, so the page says why
    they may read it (docs/security.md, "Partners, successors and
    predecessors")."""
    if savings_return.council_id == user.council_id:
        return None
    if savings_return.application.lead_council_id == user.council_id:
        return LEAD_READS_PARTNER
    if savings_return.council_id in council_ids_readable(user.council_id):
        return SUCCESSOR_READS
    return LEAD_SUCCESSOR_READS_PARTNER


def award_get_for_reader(*, user: User, pk: int) -> Investment:
    """An award the user may read: their council's (savings.selectors), or
    the award of a bid they may read, that is of a council their council
    succeeded or a bid their council confirmed it is a partner on
    (applications.selectors, read-only). 404 otherwise. Only their own
    council's award is theirs to report on."""
    award = (
        Investment.objects.filter(pk=pk, application__isnull=False)
        .select_related("strand", "application")
        .first()
    )
    if award is None:
        raise Http404("No award of your council has this number")
    if award.council_id != user.council_id:
        assert award.application_id is not None, "an award has a bid"
        # The bid as this reader reads it: its `viewer` and `partner_via`
        # name the council through which they read the award.
        award.application = application_get_for_user(
            user=user, pk=award.application_id, read_only=True
        )
    return award


def finance_officers(council_id: int, *, besides: int | None = None) -> QuerySet[User]:
    """The council's active finance officers (who certify its returns),
    other than `besides` (the return's preparer: nobody certifies their own)."""
    found = User.objects.filter(council_id=council_id, is_active=True, is_finance_officer=True)
    if besides is not None:
        found = found.exclude(pk=besides)
    return found.order_by("last_name", "first_name", "pk")


def may_certify(user: User) -> bool:
    """A council user who certifies their council's returns (its finance officer)."""
    return user.council_id is not None and user.is_finance_officer


def returns_to_certify(*, user: User) -> QuerySet[SavingsReturn]:
    """The returns of the user's council awaiting a finance officer's
    certification, oldest due first, with `is_late`; those the user prepared
    are left out (another finance officer certifies them). Empty for anyone
    who does not certify."""
    if not may_certify(user) or user.council is None:
        return SavingsReturn.objects.none()
    returns = (
        SavingsReturn.objects.filter(
            council=user.council,
            state=ReturnState.AWAITING_CERTIFICATION,
        )
        .exclude(prepared_by=user)
        .select_related("application__call__strand", "prepared_by")
        .order_by("due_on", "pk")
    )
    return returns_with_status(returns)


def return_get_for_certifier(*, user: User, pk: int) -> SavingsReturn:
    """A return of the user's council (404 for any other council's, as
    `return_get_for_user`) that the user may certify: 403 for a user of the
    council who is not its finance officer."""
    savings_return = return_get_for_council(council=user.council, pk=pk)
    if savings_return is None:
        raise Http404("No return of your council has this number")
    if not may_certify(user):
        raise PermissionDenied("Only your council's finance officer can certify its returns")
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
    not taken back), verified and overdue, as at a date; their totals; and
    the awards up to date (no return overdue)."""

    as_at: date
    periods: list[ReturnsPeriodRow] = field(default_factory=list)
    awards: int = 0
    awards_up_to_date: int = 0

    @property
    def due(self) -> int:
        return sum(row.due for row in self.periods)

    @property
    def received(self) -> int:
        return sum(row.received for row in self.periods)

    @property
    def verified(self) -> int:
        return sum(row.verified for row in self.periods)

    @property
    def overdue(self) -> int:
        """Every return overdue (an overdue return is due, so its period is a row)."""
        return sum(row.overdue for row in self.periods)

    @property
    def share_up_to_date(self) -> int | None:
        """Per cent, rounded; None when no award reports."""
        if not self.awards:
            return None
        return round(100 * self.awards_up_to_date / self.awards)


def returns_summary(
    *, strand: Strand | None = None, council: Council | None = None, as_at: date | None = None
) -> ReturnsSummary:
    """Two grouped queries whatever the number of returns: one by period,
    one by award. Due, received, verified and overdue as at the date
    (`returns_as_at`, default today)."""
    status = returns_as_at(as_at)
    returns = SavingsReturn.objects.all()
    if strand is not None:
        returns = returns.filter(application__call__strand=strand)
    if council is not None:
        returns = returns.filter(council=council)
    rows = (
        returns.values("period_start", "period_end")
        .annotate(
            due=Count("pk", filter=status.due),
            received=Count("pk", filter=status.received),
            verified=Count("pk", filter=status.verified),
            overdue=Count("pk", filter=status.overdue),
        )
        .filter(Q(due__gt=0) | Q(received__gt=0))
        .order_by("period_start", "period_end")
    )
    summary = ReturnsSummary(as_at=status.as_at, periods=[ReturnsPeriodRow(**row) for row in rows])
    awards = returns.values("application_id").annotate(late=Count("pk", filter=status.overdue))
    counts = awards.aggregate(
        awards=Count("application_id"), up_to_date=Count("application_id", filter=Q(late=0))
    )
    summary.awards = counts["awards"] or 0
    summary.awards_up_to_date = counts["up_to_date"] or 0
    return summary


def returns_summaries_by_council(
    *, council_ids: Collection[int], as_at: date | None = None
) -> dict[int, ReturnsSummary]:
    """`returns_summary(council=...)` for several councils at once (the
    board's predecessors): one query grouped by council, award and period,
    whatever their number; the same figures, summed here. A council with no
    returns gets an empty summary."""
    status = returns_as_at(as_at)
    rows = (
        SavingsReturn.objects.filter(council_id__in=council_ids)
        .values_list("council_id", "application_id", "period_start", "period_end")
        .annotate(
            due=Count("pk", filter=status.due),
            received=Count("pk", filter=status.received),
            verified=Count("pk", filter=status.verified),
            overdue=Count("pk", filter=status.overdue),
        )
        .order_by()
    )
    periods: dict[int, dict[tuple[date, date], ReturnsPeriodRow]] = {}
    awards: dict[int, dict[int, int]] = {}  # council -> award -> overdue returns
    for council_id, application_id, start, end, due, received, verified, overdue in rows:
        row = periods.setdefault(council_id, {}).setdefault(
            (start, end), ReturnsPeriodRow(period_start=start, period_end=end)
        )
        row.due += due
        row.received += received
        row.verified += verified
        row.overdue += overdue
        late = awards.setdefault(council_id, {})
        late[application_id] = late.get(application_id, 0) + overdue
    found = {}
    for council_id in council_ids:
        late = awards.get(council_id, {})
        found[council_id] = ReturnsSummary(
            as_at=status.as_at,
            # As returns_summary: periods with a return due or received.
            periods=[
                row
                for key, row in sorted(periods.get(council_id, {}).items())
                if row.due or row.received
            ],
            awards=len(late),
            awards_up_to_date=sum(1 for count in late.values() if count == 0),
        )
    return found


def returns_summaries_by_strand(
    *, strand_ids: Collection[int], as_at: date | None = None
) -> dict[int, ReturnsSummary]:
    """`returns_summary(strand=...)` for several strands at once (the board
    paper's paragraph per strand): the same two grouped queries, by strand
    too, where each strand's own summary took two, their conditions compiled
    again for every strand (10 ms of CPU each, issue 26). An award is up to
    date when none of its returns is overdue: the awards with a return less
    those with an overdue one. A strand with no returns gets an empty summary."""
    status = returns_as_at(as_at)
    strand = "application__call__strand_id"
    returns = SavingsReturn.objects.filter(**{f"{strand}__in": strand_ids})
    periods: dict[int, list[ReturnsPeriodRow]] = {}
    rows = (
        returns.values_list(strand, "period_start", "period_end")
        .annotate(
            due=Count("pk", filter=status.due),
            received=Count("pk", filter=status.received),
            verified=Count("pk", filter=status.verified),
            overdue=Count("pk", filter=status.overdue),
        )
        .filter(Q(due__gt=0) | Q(received__gt=0))
        .order_by(strand, "period_start", "period_end")
    )
    for key, start, end, due, received, verified, overdue in rows:
        periods.setdefault(key, []).append(
            ReturnsPeriodRow(start, end, due, received, verified, overdue)
        )
    awards = {
        key: (count, late)
        for key, count, late in returns.values_list(strand)
        .annotate(
            awards=Count("application_id", distinct=True),
            late=Count("application_id", distinct=True, filter=status.overdue),
        )
        .order_by()
    }
    found = {}
    for key in strand_ids:
        count, late = awards.get(key, (0, 0))
        found[key] = ReturnsSummary(
            as_at=status.as_at,
            periods=periods.get(key, []),
            awards=count,
            awards_up_to_date=count - late,
        )
    return found
