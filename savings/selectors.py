"""Reads of rollups (for dashboards) and of a council's awards (for returns).

Dashboards read rollup rows only, through these functions; each runs a
constant number of queries (usually one) whatever the number of facts.
Pass `None` for "all": `rollup_for()` is the whole programme,
`rollup_for(strand=s)` the strand across every council and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Round
from django.http import Http404
from django.utils.timezone import get_default_timezone

from programmes.models import Council, Strand, User
from programmes.roles import OFFICER, user_role
from programmes.selectors import council_ids_readable
from savings.models import (
    Investment,
    OutboxMarker,
    Rollup,
    RollupMonth,
    SavingsEntry,
    SavingsKind,
)


def _key(strand: Strand | None, council: Council | None, financial_year: str | None) -> str:
    return (
        f"{strand.pk if strand else '*'}:{council.pk if council else '*'}:{financial_year or '*'}"
    )


def _empty(strand: Strand | None, council: Council | None, financial_year: str | None) -> Rollup:
    # A scope with no facts has no row; show it as zeros, never as missing.
    return Rollup(
        scope_key=_key(strand, council, financial_year),
        strand=strand,
        council=council,
        financial_year=financial_year or "",
        computed_at=None,  # type: ignore[misc]  # never saved: a zero row was never computed
    )


def rollup_for(
    *,
    strand: Strand | None = None,
    council: Council | None = None,
    financial_year: str | None = None,
) -> Rollup:
    """The rollup of one scope (one query); zeros if it has no facts."""
    row = Rollup.objects.filter(scope_key=_key(strand, council, financial_year)).first()
    return row or _empty(strand, council, financial_year)


def _level(
    strand: Strand | None | bool, council: Council | None | bool, financial_year: str | None | bool
) -> QuerySet[Rollup]:
    """Rows of one level. True = one row per value; None = the "all" total; else that value."""
    rows = Rollup.objects.all()
    if strand is True:
        rows = rows.filter(strand__isnull=False).select_related("strand")
    elif strand is None:
        rows = rows.filter(strand__isnull=True)
    else:
        rows = rows.filter(strand=strand)
    if council is True:
        rows = rows.filter(council__isnull=False).select_related("council")
    elif council is None:
        rows = rows.filter(council__isnull=True)
    else:
        rows = rows.filter(council=council)
    if financial_year is True:
        rows = rows.exclude(financial_year="")
    elif financial_year is None:
        rows = rows.filter(financial_year="")
    else:
        rows = rows.filter(financial_year=financial_year)
    return rows


def rollups_by_year(
    *, strand: Strand | None = None, council: Council | None = None
) -> list[Rollup]:
    """One row per financial year (oldest first) for the strand/council/whole programme."""
    return list(_level(strand, council, True).order_by("financial_year"))


def rollups_by_strand(
    *, council: Council | None = None, financial_year: str | None = None
) -> list[Rollup]:
    """One row per strand with facts, in the strands' display order."""
    return list(
        _level(True, council, financial_year).order_by("strand__display_order", "strand__name")
    )


def rollups_by_council(
    *, strand: Strand | None = None, financial_year: str | None = None
) -> list[Rollup]:
    """One row per council with facts, by council name."""
    return list(_level(strand, True, financial_year).order_by("council__name"))


@dataclass(frozen=True)
class TargetsCompared:
    """Realised savings against savings targets, only where a target was set
    (docs/board.md, "Targets"): within a scope, each council's verified
    realised savings in the strands where it set a target, against those
    targets. On a council's page the count is of its strands, elsewhere of
    councils. A council that set no target is "none set", never £0."""

    unit: str  # "council" or "strand": what `with_target` counts
    with_target: int  # councils (or strands) that set a target
    target: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)


def targets_compared(
    *,
    strand: Strand | None = None,
    council: Council | None = None,
    rows: list[Rollup] | None = None,
) -> TargetsCompared:
    """The scope's targets compared with what was realised against them, from
    its (strand, council) rollup rows: `rows` when the page has read them
    already (`rollups_by_council(strand=…)`, `rollups_by_strand(council=…)`;
    no query), else one query, summed by the database: the programme's has
    a row per (strand, council), 2,000 at 400 councils, and making a model
    of each cost the overview 16 ms of CPU (issue 26)."""
    unit = "strand" if council is not None else "council"
    if rows is None:
        scope = _level(strand or True, council or True, None).select_related(None)
        found = (
            scope.exclude(target=0)
            .order_by()
            .aggregate(
                with_target=Count(f"{unit}_id", distinct=True),
                target=Sum("target"),
                realised=Sum("realised"),
            )
        )
        return TargetsCompared(
            unit=unit,
            with_target=found["with_target"],
            target=found["target"] or Decimal(0),
            realised=found["realised"] or Decimal(0),
        )

    def who(row: Rollup) -> int | None:
        return row.strand_id if unit == "strand" else row.council_id

    targeted = [row for row in rows if row.target]
    return TargetsCompared(
        unit=unit,
        with_target=len({who(row) for row in targeted}),
        target=sum((row.target for row in targeted), Decimal(0)),
        realised=sum((row.realised for row in targeted), Decimal(0)),
    )


PROGRAMME_SCOPE_KEY = "*:*:*"


def rollups_computed_at() -> datetime | None:
    """When the programme total was last recomputed (None: never).

    Every drain rewrites the whole-programme row (`*:*:*`) and a full
    recompute always stamps it (other rows only when their figures change),
    so that row carries the latest time: one lookup on the unique scope key,
    not a scan of every rollup row."""
    return (
        Rollup.objects.filter(scope_key=PROGRAMME_SCOPE_KEY)
        .values_list("computed_at", flat=True)
        .first()
    )


def outbox_oldest_pending() -> datetime | None:
    """When the oldest change not yet in the rollups was made (None: all caught up)."""
    return OutboxMarker.objects.aggregate(oldest=Min("marked_at"))["oldest"]


def awards_for_council(*, council: Council) -> QuerySet[Investment]:
    """The council's awards: investments made through an approved bid, for a
    paginated list (programmes.pagination)."""
    return (
        Investment.objects.filter(council=council, application__isnull=False)
        .select_related("strand", "application")
        .order_by("-financial_year", "pk")
    )


def award_get_for_council(*, council: Council, pk: int) -> Investment | None:
    return (
        Investment.objects.filter(council=council, application__isnull=False, pk=pk)
        .select_related("strand", "application")
        .first()
    )


def award_get_for_user(*, user: User, pk: int) -> Investment:
    """The award if it is the user's council's; 404 otherwise, so others learn nothing."""
    award = award_get_for_council(council=user.council, pk=pk) if user.council else None
    if award is None:
        raise Http404("No award of your council has this number")
    return award


def realised_savings_for_award(*, award: Investment) -> list[SavingsEntry]:
    """Realised savings reported against the award's bid outside its periodic
    returns (those are shown per return), newest year first."""
    return list(
        SavingsEntry.objects.filter(
            application=award.application,
            council=award.council,
            kind=SavingsKind.REALISED,
            savings_return__isnull=True,
        ).order_by("-financial_year", "-pk")
    )


def evidence_get_for_user(*, user: User, pk: int) -> SavingsEntry:
    """A saving with a supporting document that the user may download: officers
    any, applicants their own council's and its predecessors' (read-only
    history, docs/security.md), and their partners' on the awards they lead
    (docs/savings.md, "Shared awards"); 404 otherwise, so others learn nothing."""
    entries = SavingsEntry.objects.exclude(document="")
    if user_role(user) != OFFICER:
        readable = council_ids_readable(user.council_id)
        entries = entries.filter(
            Q(council_id__in=readable) | Q(application__lead_council_id__in=readable)
        )
    entry = entries.select_related("council").filter(pk=pk).first()
    if entry is None:
        raise Http404("No supporting document with this number")
    return entry


def award_for_application(*, application_id: int) -> Investment | None:
    """The award's investment, for the link back to the award page."""
    return Investment.objects.filter(application_id=application_id).order_by("pk").first()


# Figures as at a date (docs/board.md, "As at a date") -------------------------
#
# Today's figures are the rollup rows the worker keeps. A past date's count
# each fact from its effective date (docs/savings.md, "Effective dates"): an
# investment from `awarded_on`, a saving from `reported_on`, a realised
# saving as verified from `verified_at`. They are read from the rollups by
# month of effective date, which the same worker keeps (`RollupMonth`:
# docs/savings.md, "Rollups by month of effective date"), and the facts of
# the date's own month (`_finest_by_months`); `_finest_as_at` reads the same
# figures from the facts alone, the definition they are tested against.
# Either gives the finest (strand, council, year) rows; every coarser figure
# of the page is summed from them in Python, so a page reads them once
# whatever it shows. The rows are kept in the cache under the rollups' last
# recompute (`rollups_computed_at`): a fact entered (or re-dated) reaches a
# past date's figures when the worker has drained it, as it reaches today's.

AS_AT_CACHE_SECONDS = 3600


def end_of_day(day: date) -> datetime:
    """The first moment after `day` in the project's time zone (TIME_ZONE,
    London): a time "as at" the day is before it."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=get_default_timezone())


def roi_of(savings: Decimal, investment: Decimal) -> Decimal | None:
    """Savings per £1 of money (invested, awarded or paid), to the penny,
    half up; None when there is no money. The one rule, also for the
    board's return on money paid (programmes.board.money)."""
    if investment <= 0:
        return None
    return (savings / investment).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# (strand, council, year, investment, count, projected, target, realised,
# unverified, savings count): the amounts in whole pence, which add, pickle
# into the cache and sum in the database faster than Decimals; a figure
# becomes pounds (Decimal) only once summed (`_pounds`).
FinestRow = tuple[int, int, str, int, int, int, int, int, int, int]
CENT = Decimal("0.01")


def _pence(pounds: Decimal | None) -> int:
    return int((pounds or 0) * 100)


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(CENT)


def _pence_sum(field: str, **filters: Any) -> Cast:
    """SUM(field) in whole pence, as an integer from the database."""
    total = Sum(field, filter=Q(**filters) if filters else None)
    return Cast(Round(total * Value(100)), BigIntegerField())


def _finest_as_at(as_at: date, strand: Strand | None, council: Council | None) -> list[FinestRow]:
    """(strand, council, year, investment, count, projected, target, realised,
    unverified, savings count) as at the end of `as_at`: 2 grouped queries."""
    cutoff = end_of_day(as_at)
    scope: dict[str, Any] = {}
    if strand is not None:
        scope["strand"] = strand
    if council is not None:
        scope["council"] = council
    keys = ("strand_id", "council_id", "financial_year")
    invested = (
        Investment.objects.filter(awarded_on__lte=as_at, **scope)
        .order_by()
        .values_list(*keys)
        .annotate(total=Sum("amount"), n=Count("pk"))
    )
    realised = Q(kind=SavingsKind.REALISED)
    verified = realised & Q(verified_at__lt=cutoff)
    saved = (
        # SAVINGS_COUNTED in savings.rollups: withheld lines count nowhere.
        SavingsEntry.objects.filter(reported_on__lte=as_at, withheld="", **scope)
        .order_by()
        .values_list(*keys)
        .annotate(
            projected=Sum("amount", filter=Q(kind=SavingsKind.PROJECTED)),
            target=Sum("amount", filter=Q(kind=SavingsKind.TARGET)),
            realised=Sum("amount", filter=verified),
            unverified=Sum("amount", filter=realised & ~Q(verified_at__lt=cutoff)),
            n=Count("pk"),
        )
    )
    rows: dict[tuple[int, int, str], list] = {}
    for strand_id, council_id, year, total, n in invested:
        rows[(strand_id, council_id, year)] = [_pence(total), n, 0, 0, 0, 0, 0]
    for strand_id, council_id, year, *amounts, n in saved:
        row = rows.setdefault((strand_id, council_id, year), [0, 0, 0, 0, 0, 0, 0])
        row[2:] = [*map(_pence, amounts), n]
    return [(*key, *values) for key, values in sorted(rows.items())]


def _tuples(rows: QuerySet) -> list[tuple]:
    """The query's rows as the database gives them, without the ORM's per-value
    converters: for grouped rows of integers and text only (the amounts in
    pence), where they convert nothing and cost a fifth of a cold render."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _finest_by_months(
    as_at: date, strand: Strand | None, council: Council | None
) -> list[FinestRow]:
    """The rows of `_finest_as_at`, read from the rollups by month (docs/savings.md,
    "Rollups by month"): the year rows of the years before the date's year,
    the month rows of its months before the date's month, and the facts of
    its own month up to the end of the date (the date indexes: a month of
    facts, not all of them): 3 grouped queries. Unsorted (the pages order
    what they show)."""
    first = as_at.replace(day=1)
    january = first.replace(month=1)
    cutoff = end_of_day(as_at)
    month_starts = end_of_day(first - timedelta(days=1))
    scope: dict[str, Any] = {}
    if strand is not None:
        scope["strand"] = strand
    if council is not None:
        scope["council"] = council
    keys = ("strand_id", "council_id", "financial_year")
    # [investment, count, projected, target, realised reported, verified, savings count]
    rows: dict[tuple[int, int, str], list[int]] = {}

    def add(found: list[tuple], at: int = 0) -> None:
        """Add each row's values to its scope's, from column `at` on."""
        for strand_id, council_id, year, *values in found:
            row = rows.get((strand_id, council_id, year))
            if row is None:
                row = rows[(strand_id, council_id, year)] = [0] * 7
            for n, value in enumerate(values, start=at):
                if value:
                    row[n] += value

    # The largest read first, straight into the rows (its sums are never NULL).
    months = _tuples(
        RollupMonth.objects.filter(
            Q(whole_year=True, month__lt=january)
            | Q(whole_year=False, month__gte=january, month__lt=first),
            **scope,
        )
        .order_by()
        .values_list(*keys)
        .annotate(
            invested=_pence_sum("investment"),
            invested_n=Sum("investment_count"),
            projected_total=_pence_sum("projected"),
            target_total=_pence_sum("target"),
            reported=_pence_sum("realised_reported"),
            verified=_pence_sum("realised_verified"),
            n=Sum("savings_count"),
        )
    )
    rows.update((row[:3], list(row[3:])) for row in months)
    add(
        _tuples(
            Investment.objects.filter(awarded_on__gte=first, awarded_on__lte=as_at, **scope)
            .order_by()
            .values_list(*keys)
            .annotate(total=_pence_sum("amount"), n=Count("pk"))
        )
    )
    # Reported this month, or verified this month (and reported by the date).
    this_month = Q(reported_on__gte=first)
    realised = Q(kind=SavingsKind.REALISED)
    verified_now = realised & Q(verified_at__gte=month_starts, verified_at__lt=cutoff)
    add(
        _tuples(
            # SAVINGS_COUNTED in savings.rollups: withheld lines count nowhere.
            SavingsEntry.objects.filter(reported_on__lte=as_at, withheld="", **scope)
            .filter(this_month | verified_now)
            .order_by()
            .values_list(*keys)
            .annotate(
                projected=_pence_sum("amount", reported_on__gte=first, kind=SavingsKind.PROJECTED),
                target=_pence_sum("amount", reported_on__gte=first, kind=SavingsKind.TARGET),
                reported=_pence_sum("amount", reported_on__gte=first, kind=SavingsKind.REALISED),
                verified=_pence_sum("amount", kind=SavingsKind.REALISED, verified_at__lt=cutoff),
                n=Count("pk", filter=this_month),
            )
        ),
        at=2,
    )
    return [
        (*key, invested_total, count, projected, target, verified, reported - verified, n)
        for key, (invested_total, count, projected, target, reported, verified, n) in rows.items()
        # A scope counts as at the date once one of its facts does (as in
        # _finest_as_at); a verification alone never brings one in.
        if count or n
    ]


def _finest_cached(as_at: date, strand: Strand | None, council: Council | None) -> list[FinestRow]:
    computed = rollups_computed_at()
    if computed is None:
        # Never recomputed: no month rows yet either; the facts themselves.
        return _finest_as_at(as_at, strand, council)
    key = (
        # "pence": the rows' amounts (before, cached rows held pounds).
        f"savings:as-at-pence:{as_at.isoformat()}:{strand.pk if strand else '*'}:"
        f"{council.pk if council else '*'}:{computed.isoformat()}"
    )
    found = cache.get(key)
    if found is None:
        found = _finest_by_months(as_at, strand, council)
        cache.set(key, found, AS_AT_CACHE_SECONDS)
    return found


def _summed(
    rows: list[FinestRow],
    *,
    strand: Strand | None,
    council: Council | None,
    financial_year: str | None,
) -> Rollup:
    total = _empty(strand, council, financial_year)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 10
    sums = [sum(column) for column in columns[3:]]
    councils = set(columns[1])
    total.investment = _pounds(sums[0])
    total.investment_count = sums[1]
    total.projected = _pounds(sums[2])
    total.target = _pounds(sums[3])
    total.realised = _pounds(sums[4])
    total.realised_unverified = _pounds(sums[5])
    total.savings_count = sums[6]
    total.council_count = len(councils)
    total.projected_roi = roi_of(total.projected, total.investment)
    total.realised_roi = roi_of(total.realised, total.investment)
    return total


def _grouped(rows: list[FinestRow], *columns: int) -> dict[tuple, list[FinestRow]]:
    """The rows by the values of `columns` (0 strand, 1 council, 2 year), in one pass."""
    groups: dict[tuple, list[FinestRow]] = {}
    for row in rows:
        groups.setdefault(tuple(row[column] for column in columns), []).append(row)
    return groups


class Figures:
    """The investment and savings figures of a scope (the whole programme, a
    strand or a council), now or as at a date: the one source of the board's
    money figures. Now (`as_at=None`) they are the rollup rows, read as
    before (`rollup_for`, `rollups_by_year`, ...: one query each); as at a
    date they are summed from the facts (one read of them, kept in the cache,
    for all of a page's figures)."""

    def __init__(
        self,
        *,
        as_at: date | None = None,
        strand: Strand | None = None,
        council: Council | None = None,
    ) -> None:
        self.as_at = as_at
        self.strand = strand
        self.council = council
        self._rows: list[FinestRow] | None = None

    @property
    def rows(self) -> list[FinestRow]:
        if self._rows is None:
            assert self.as_at is not None, "now's figures are the rollup rows"
            self._rows = _finest_cached(self.as_at, self.strand, self.council)
        return self._rows

    def total(self) -> Rollup:
        if self.as_at is None:
            return rollup_for(strand=self.strand, council=self.council)
        return _summed(self.rows, strand=self.strand, council=self.council, financial_year=None)

    def by_year(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_year(strand=self.strand, council=self.council)
        groups = _grouped(self.rows, 2)
        return [
            _summed(groups[key], strand=self.strand, council=self.council, financial_year=key[0])
            for key in sorted(groups)
        ]

    def by_strand(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_strand(council=self.council)
        groups = _grouped(self.rows, 0)
        found = Strand.objects.filter(pk__in=[key[0] for key in groups])
        return [
            _summed(groups[(strand.pk,)], strand=strand, council=self.council, financial_year=None)
            for strand in found.order_by("display_order", "name")
        ]

    def by_council(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_council(strand=self.strand)
        groups = _grouped(self.rows, 1)
        found = Council.objects.filter(pk__in=[key[0] for key in groups])
        return [
            _summed(groups[(council.pk,)], strand=self.strand, council=council, financial_year=None)
            for council in found.order_by("name")
        ]

    def targets(self, rows: list[Rollup] | None = None) -> TargetsCompared:
        """`targets_compared` for the scope: from `rows` (the page's
        (strand, council) rows) when given, else its own."""
        if rows is not None or self.as_at is None:
            return targets_compared(strand=self.strand, council=self.council, rows=rows)
        # As targets_compared, from the finest rows: per (strand, council),
        # the target and the verified realised savings.
        unit = "strand" if self.council is not None else "council"
        pairs: dict[tuple[int, int], list[int]] = {}
        for row in self.rows:
            pair = pairs.setdefault((row[0], row[1]), [0, 0])
            pair[0] += row[6]
            pair[1] += row[7]
        targeted = {key: pair for key, pair in pairs.items() if pair[0]}
        return TargetsCompared(
            unit=unit,
            with_target=len({key[0] if unit == "strand" else key[1] for key in targeted}),
            target=_pounds(sum(pair[0] for pair in targeted.values())),
            realised=_pounds(sum(pair[1] for pair in targeted.values())),
        )
