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
from django.db.models import Count, Min, Q, QuerySet, Sum
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
    unit = _unit(council)
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
# the date's own month (`_month_parts_sql`), which the database sums into
# every figure a page shows in one query (`_summary_by_months`: the total,
# by year, strand and council, the targets). `_finest_as_at` reads the
# finest (strand, council, year) rows from the facts alone and `_summary_of`
# sums them in Python: the definition they are tested against. The summary
# is kept in the cache under the rollups' last recompute
# (`rollups_computed_at`): a fact entered (or re-dated) reaches a past
# date's figures when the worker has drained it, as it reaches today's.

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


def _sql(rows: QuerySet) -> tuple[str, tuple]:
    """The query's SQL and parameters, to run or nest without the ORM's
    per-value converters (grouped rows of integers and text only, the
    amounts in pence, where they convert nothing)."""
    return rows.query.sql_with_params()


def _fetch(sql: str, params: tuple | list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _month_parts_sql(
    as_at: date, strand: Strand | None, council: Council | None
) -> tuple[str, list]:
    """SQL for what counts as at the end of `as_at`, from the rollups by month
    (docs/savings.md, "Rollups by month"): the year rows of the years before
    the date's year, the month rows of its months before the date's month,
    and the facts of its own month up to the end of the date (the date
    indexes: a month of facts, not all of them), one below the other. Each
    row: strand, council, year, then RollupMonth's amounts (MONTH_AMOUNTS,
    in pounds) and counts."""
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
    months_sql, months_params = _sql(
        RollupMonth.objects.filter(
            Q(whole_year=True, month__lt=january)
            | Q(whole_year=False, month__gte=january, month__lt=first),
            **scope,
        )
        .order_by()
        .values_list(*keys, *MONTH_AMOUNTS)
    )
    invested_sql, invested_params = _sql(
        Investment.objects.filter(awarded_on__gte=first, awarded_on__lte=as_at, **scope)
        .order_by()
        .values_list(*keys)
        .annotate(total=Sum("amount"), n=Count("pk"))
    )
    # Reported this month, or verified this month (and reported by the date).
    this_month = Q(reported_on__gte=first)
    realised = Q(kind=SavingsKind.REALISED)
    verified_now = realised & Q(verified_at__gte=month_starts, verified_at__lt=cutoff)
    saved_sql, saved_params = _sql(
        # SAVINGS_COUNTED in savings.rollups: withheld lines count nowhere.
        SavingsEntry.objects.filter(reported_on__lte=as_at, withheld="", **scope)
        .filter(this_month | verified_now)
        .order_by()
        .values_list(*keys)
        .annotate(
            projected=Sum("amount", filter=this_month & Q(kind=SavingsKind.PROJECTED)),
            target=Sum("amount", filter=this_month & Q(kind=SavingsKind.TARGET)),
            reported=Sum("amount", filter=this_month & realised),
            verified=Sum("amount", filter=realised & Q(verified_at__lt=cutoff)),
            n=Count("pk", filter=this_month),
        )
    )
    months = ", ".join(f"m.{column}" for column in MONTH_AMOUNTS)
    sql = f"""
        SELECT m.strand_id, m.council_id, m.financial_year, {months}
        FROM ({months_sql}) m
        UNION ALL
        SELECT i.strand_id, i.council_id, i.financial_year, i.total, i.n, 0, 0, 0, 0, 0
        FROM ({invested_sql}) i
        UNION ALL
        SELECT s.strand_id, s.council_id, s.financial_year, 0, 0, s.projected, s.target,
               s.reported, s.verified, s.n
        FROM ({saved_sql}) s
    """  # noqa: S608 - only the ORM's own SQL and our column names are interpolated
    return sql, [*months_params, *invested_params, *saved_params]


# RollupMonth's columns, in the order of `_month_parts_sql`'s rows after the key.
MONTH_AMOUNTS = (
    "investment",
    "investment_count",
    "projected",
    "target",
    "realised_reported",
    "realised_verified",
    "savings_count",
)
MONTH_COUNTS = ("investment_count", "savings_count")


def _summed_sql(alias: str) -> str:
    """The parts' columns summed (SUM of NULL: 0), amounts in whole pence (exact:
    every amount has two places; ROUND for SQLite's floating sums), in
    FinestRow's order after the key: invested, count, projected, target,
    realised (verified), unverified, savings count."""

    def total(column: str) -> str:
        if column in MONTH_COUNTS:
            return f"CAST(COALESCE(SUM({alias}.{column}), 0) AS BIGINT)"
        return f"CAST(ROUND(COALESCE(SUM({alias}.{column}), 0) * 100) AS BIGINT)"

    return (
        f"{total('investment')} AS invested, {total('investment_count')} AS invested_n, "
        f"{total('projected')} AS projected, {total('target')} AS target, "
        f"{total('realised_verified')} AS realised, "
        f"{total('realised_reported')} - {total('realised_verified')} AS unverified, "
        f"{total('savings_count')} AS n"
    )


# The summed columns' names, in FinestRow's order after the key.
FINEST_VALUES = ("invested", "invested_n", "projected", "target", "realised", "unverified", "n")


def _finest_by_months(
    as_at: date, strand: Strand | None, council: Council | None
) -> list[FinestRow]:
    """The rows of `_finest_as_at` from the rollups by month (`_month_parts_sql`
    summed by (strand, council, year)): one query. Unsorted. The pages read
    `_summary_by_months`, summed from the same parts."""
    parts, params = _month_parts_sql(as_at, strand, council)
    sql = f"""
        SELECT p.strand_id, p.council_id, p.financial_year, {_summed_sql("p")}
        FROM ({parts}) p
        GROUP BY p.strand_id, p.council_id, p.financial_year
    """  # noqa: S608 - only our own SQL and column names are interpolated
    return _fetch(sql, params)


# A scope's figures as at a date, summed for every figure a page shows, the
# amounts in whole pence: by key, ("total",), ("year", "2013/14"),
# ("strand", id), ("council", id): (investment, count, projected, target,
# realised, unverified, savings count, councils), and ("targets",):
# (councils or strands that set a target, their target, realised against it).
Summary = dict[tuple, tuple[int, ...]]
TOTAL, YEAR, STRAND, COUNCIL, TARGETS = 0, 1, 2, 3, 4


def _unit(council: Council | None) -> str:
    """What the targets count: strands on a council's page, else councils."""
    return "strand" if council is not None else "council"


def _summary_of(rows: list[FinestRow], unit: str) -> Summary:
    """The summary of finest rows, summed in Python: the definition the
    database's summary (`_summary_by_months`) is tested against, and the
    figures before any recompute (from `_finest_as_at`)."""

    def summed(group: list[FinestRow]) -> tuple[int, ...]:
        columns = list(zip(*group, strict=True)) if group else [()] * 10
        return (*(sum(column) for column in columns[3:]), len(set(columns[1])))

    summary: Summary = {("total",): summed(rows)}
    for kind, column in (("year", 2), ("strand", 0), ("council", 1)):
        for key, group in _grouped(rows, column).items():
            summary[(kind, *key)] = summed(group)
    pairs: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        pair = pairs.setdefault((row[0], row[1]), [0, 0])
        pair[0] += row[6]
        pair[1] += row[7]
    targeted = {key: pair for key, pair in pairs.items() if pair[0]}
    who = 0 if unit == "strand" else 1
    summary[("targets",)] = (
        len({key[who] for key in targeted}),
        sum(pair[0] for pair in targeted.values()),
        sum(pair[1] for pair in targeted.values()),
    )
    return summary


def _summary_by_months(as_at: date, strand: Strand | None, council: Council | None) -> Summary:
    """`_summary_of(_finest_as_at(...))`, summed by the database from the
    rollups by month (`_month_parts_sql`) in one query: the parts (about
    35,000 rows at benchmark size for the programme) summed once by
    (strand, council) and once by (year, council), a few thousand rows, and
    those summed again; only the total, a row per year, strand and council,
    and the targets leave the database. Every part has something that
    counts (an investment or a saving by the date; a verification's saving
    was reported by then, in its scope), so a council in a group is one that
    takes part in it, as in `_finest_as_at`."""
    parts, params = _month_parts_sql(as_at, strand, council)
    sums = ", ".join(f"SUM(g.{column})" for column in FINEST_VALUES)
    who = "strand_id" if _unit(council) == "strand" else "council_id"
    # Each row: its kind, year, strand or council, sums and councils.
    sql = f"""
        WITH p AS ({parts}),
        sc AS (
            SELECT p.strand_id, p.council_id, {_summed_sql("p")}
            FROM p GROUP BY p.strand_id, p.council_id
        ),
        yc AS (
            SELECT p.financial_year, p.council_id, {_summed_sql("p")}
            FROM p GROUP BY p.financial_year, p.council_id
        )
        SELECT {TOTAL}, '', 0, {sums}, COUNT(DISTINCT g.council_id) FROM sc g
        UNION ALL
        SELECT {YEAR}, g.financial_year, 0, {sums}, COUNT(*) FROM yc g
        GROUP BY g.financial_year
        UNION ALL
        SELECT {STRAND}, '', g.strand_id, {sums}, COUNT(*) FROM sc g GROUP BY g.strand_id
        UNION ALL
        SELECT {COUNCIL}, '', g.council_id, {sums}, 1 FROM sc g GROUP BY g.council_id
        UNION ALL
        SELECT {TARGETS}, '', 0, COUNT(DISTINCT g.{who}), SUM(g.target), SUM(g.realised),
               0, 0, 0, 0, 0
        FROM sc g WHERE g.target > 0
    """  # noqa: S608 - only our own SQL and column names are interpolated
    summary: Summary = {}
    for kind, year, pk, *values in _fetch(sql, params):
        found = tuple(int(value or 0) for value in values)  # SUM of no rows: NULL
        if kind == TOTAL:
            summary[("total",)] = found
        elif kind == YEAR:
            summary[("year", year)] = found
        elif kind == STRAND:
            summary[("strand", pk)] = found
        elif kind == COUNCIL:
            summary[("council", pk)] = found
        else:
            summary[("targets",)] = found[:3]
    return summary


def _summary_cached(as_at: date, strand: Strand | None, council: Council | None) -> Summary:
    computed = rollups_computed_at()
    if computed is None:
        # Never recomputed: no month rows yet either; the facts themselves.
        return _summary_of(_finest_as_at(as_at, strand, council), _unit(council))
    key = (
        # "summary": the summed figures in pence (before, the finest rows).
        f"savings:as-at-summary:{as_at.isoformat()}:{strand.pk if strand else '*'}:"
        f"{council.pk if council else '*'}:{computed.isoformat()}"
    )
    found = cache.get(key)
    if found is None:
        found = _summary_by_months(as_at, strand, council)
        cache.set(key, found, AS_AT_CACHE_SECONDS)
    return found


def _rollup(
    sums: tuple[int, ...] | None,
    *,
    strand: Strand | None,
    council: Council | None,
    financial_year: str | None,
) -> Rollup:
    """A summary row as a Rollup (never saved), amounts in pounds."""
    total = _empty(strand, council, financial_year)
    (
        investment,
        total.investment_count,
        projected,
        target,
        realised,
        unverified,
        total.savings_count,
        total.council_count,
    ) = sums or (0,) * 8
    total.investment = _pounds(investment)
    total.projected = _pounds(projected)
    total.target = _pounds(target)
    total.realised = _pounds(realised)
    total.realised_unverified = _pounds(unverified)
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
    date they are the scope's summary (`_summary_by_months`: one query,
    summed by the database, kept in the cache, for all of a page's figures)."""

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
        self._summary: Summary | None = None

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            assert self.as_at is not None, "now's figures are the rollup rows"
            self._summary = _summary_cached(self.as_at, self.strand, self.council)
        return self._summary

    def _keys(self, kind: str) -> list:
        return [key[1] for key in self.summary if key[0] == kind]

    def total(self) -> Rollup:
        if self.as_at is None:
            return rollup_for(strand=self.strand, council=self.council)
        return _rollup(
            self.summary[("total",)], strand=self.strand, council=self.council, financial_year=None
        )

    def by_year(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_year(strand=self.strand, council=self.council)
        return [
            _rollup(
                self.summary[("year", year)],
                strand=self.strand,
                council=self.council,
                financial_year=year,
            )
            for year in sorted(self._keys("year"))
        ]

    def by_strand(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_strand(council=self.council)
        found = Strand.objects.filter(pk__in=self._keys("strand"))
        return [
            _rollup(
                self.summary[("strand", strand.pk)],
                strand=strand,
                council=self.council,
                financial_year=None,
            )
            for strand in found.order_by("display_order", "name")
        ]

    def by_council(self) -> list[Rollup]:
        if self.as_at is None:
            return rollups_by_council(strand=self.strand)
        found = Council.objects.filter(pk__in=self._keys("council"))
        return [
            _rollup(
                self.summary[("council", council.pk)],
                strand=self.strand,
                council=council,
                financial_year=None,
            )
            for council in found.order_by("name")
        ]

    def targets(self, rows: list[Rollup] | None = None) -> TargetsCompared:
        """`targets_compared` for the scope: from `rows` (the page's
        (strand, council) rows) when given, else its own."""
        if rows is not None or self.as_at is None:
            return targets_compared(strand=self.strand, council=self.council, rows=rows)
        with_target, target, realised = self.summary[("targets",)]
        return TargetsCompared(
            unit=_unit(self.council),
            with_target=with_target,
            target=_pounds(target),
            realised=_pounds(realised),
        )
