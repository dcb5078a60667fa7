"""Recomputing rollups from the facts: the outbox drain and the full recompute.

Every rollup row is rebuilt *fully* from the rows beneath it with grouped SQL,
never adjusted by a delta (`total += amount` double-counts when a task is
redelivered). So a drain run twice, two drains at once, or a retried task all
leave exactly the rows that a recompute from scratch would.

How a drain works (docs/design.md, "Money and rollups"):
1. Take the rollup lock, so only one recompute writes rollups at a time
   (a transaction-scoped advisory lock on PostgreSQL; SQLite's IMMEDIATE
   transactions already serialise writers).
2. Read the scopes of the oldest outbox markers, and every marker of those
   scopes.
3. For the dirty (strand, council, year) scopes, delete their rows and insert
   them again from the facts (one grouped query over investment and savings,
   through the scope index). Then do the same for every coarser level that
   contains a dirty scope, each from the finer rollup rows, which keeps the
   cost proportional to the scope, not to the table.
4. Run registered strand statistics (ASCE) for the dirty years.
5. Delete the markers read in step 2, and only those: a change committed
   meanwhile inserted a marker of its own, which the next drain takes.

The full recompute (nightly, `recompute_rollups --all`) builds every row the
same way into a scratch table, then rewrites only the rows that differ.

The SQL is plain and portable: PostgreSQL and SQLite both accept it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from programmes.strands import strands
from savings.models import OutboxMarker, RollupRun
from savings.outbox import Scope
from savings.selectors import PROGRAMME_SCOPE_KEY

logger = logging.getLogger(__name__)

# One PostgreSQL advisory lock key for "writing rollups" (an arbitrary constant).
ROLLUP_LOCK_KEY = 4_202_013
# Markers per drain batch: keeps every IN (...) list far below SQLite's limit.
BATCH_SIZE = 500

TOTAL_COLUMNS = (
    "investment",
    "investment_count",
    "projected",
    "target",
    "realised",
    "realised_unverified",
    "savings_count",
)
INSERT_COLUMNS = (
    "scope_key, strand_id, council_id, financial_year, investment, investment_count, "
    "projected, target, realised, realised_unverified, savings_count, council_count, "
    "projected_roi, realised_roi, computed_at"
)


@dataclass(frozen=True)
class Level:
    """Which dimensions a level keeps; the others are totals over "all"."""

    strand: bool
    council: bool
    year: bool

    def where(self, alias: str) -> str:
        return " AND ".join(
            (
                f"{alias}.strand_id IS {'NOT ' if self.strand else ''}NULL",
                f"{alias}.council_id IS {'NOT ' if self.council else ''}NULL",
                f"{alias}.financial_year {'<>' if self.year else '='} ''",
            )
        )

    def kept(self, alias: str) -> list[str]:
        columns = []
        if self.strand:
            columns.append(f"{alias}.strand_id")
        if self.council:
            columns.append(f"{alias}.council_id")
        if self.year:
            columns.append(f"{alias}.financial_year")
        return columns

    def values(self, alias: str) -> str:
        strand = f"{alias}.strand_id" if self.strand else "NULL"
        council = f"{alias}.council_id" if self.council else "NULL"
        year = f"{alias}.financial_year" if self.year else "''"
        return f"{strand}, {council}, {year}"

    def key(self, alias: str) -> str:
        strand = f"CAST({alias}.strand_id AS TEXT)" if self.strand else "'*'"
        council = f"CAST({alias}.council_id AS TEXT)" if self.council else "'*'"
        year = f"{alias}.financial_year" if self.year else "'*'"
        return f"{strand} || ':' || {council} || ':' || {year}"

    def project(self, scope: Scope) -> tuple:
        strand_id, council_id, year = scope
        return tuple(
            value
            for value, kept in (
                (strand_id, self.strand),
                (council_id, self.council),
                (year, self.year),
            )
            if kept
        )


FINEST = Level(True, True, True)
# (level, the level it is summed from), in an order where every source is
# done before it is used. Levels that drop the council are summed from the
# same level with the council kept, so COUNT(*) there counts councils.
COARSER: tuple[tuple[Level, Level], ...] = (
    (Level(True, True, False), FINEST),
    (Level(False, True, True), FINEST),
    (Level(False, True, False), Level(True, True, False)),
    (Level(True, False, True), FINEST),
    (Level(True, False, False), Level(True, True, False)),
    (Level(False, False, True), Level(False, True, True)),
    (Level(False, False, False), Level(False, True, False)),
)
LEVEL_COUNT = 1 + len(COARSER)


def _roi(savings: str, investment: str) -> str:
    # "* 1.0": SQLite stores whole pounds as integers and would divide them
    # as integers; PostgreSQL's numeric is unaffected.
    return f"CASE WHEN {investment} > 0 THEN ROUND({savings} * 1.0 / {investment}, 2) ELSE NULL END"


def _scope_filter(scopes: list[Scope] | None, level: Level, alias: str) -> tuple[str, list]:
    """A WHERE fragment limiting `level`'s key columns to the dirty scopes.

    An OR of equalities rather than a join: both databases turn it into index
    lookups, so the cost follows the number of dirty scopes, not the table.
    """
    if scopes is None:
        return "", []
    columns = level.kept(alias)
    if not columns:
        return "", []  # the whole-programme total: one row, always recomputed
    keys = sorted({level.project(scope) for scope in scopes})
    term = "(" + " AND ".join(f"{column} = %s" for column in columns) + ")"
    return f" AND ({' OR '.join([term] * len(keys))})", [value for key in keys for value in key]


def _delete_level(cursor, level: Level, scopes: list[Scope] | None) -> None:
    fragment, params = _scope_filter(scopes, level, "savings_rollup")
    cursor.execute(
        f"DELETE FROM savings_rollup WHERE {level.where('savings_rollup')}{fragment}",  # noqa: S608
        params,
    )


# Which savings entries count in the rollups (alias `s`): the one condition
# on them, read by both recomputes (the drain's and the full one), and the
# place to add another ("AND s.... IS NULL"). A line of a council's return
# that is withheld (a draft, sent back, withdrawn: docs/savings.md, "The
# reporting cycle") counts nowhere.
SAVINGS_COUNTED = "s.withheld = ''"


def _finest_select(scopes: list[Scope] | None, now) -> tuple[str, list]:
    """The finest rows from the facts: investment and savings each grouped by
    scope, then put side by side.

    Savings are pivoted into their columns as they are grouped (a SUM per
    column, FILTERed by kind and verification), so the grouping keeps one
    row per scope, as few as there are scopes: PostgreSQL runs it in
    parallel and each worker hands on one partial row per scope, where
    grouping by kind and verification first handed on several and needed a
    second grouping to pivot them.

    This is the one place where any recompute (the drain's and the full one)
    reads savings entries, through SAVINGS_COUNTED.
    """
    where_i, params_i = _scope_filter(scopes, FINEST, "i")
    where_s, params_s = _scope_filter(scopes, FINEST, "s")
    realised = "s.kind = 'realised' AND s.verified_at IS"
    sql = f"""
        SELECT {FINEST.key("f")} AS scope_key, f.strand_id, f.council_id, f.financial_year,
               SUM(f.investment) AS investment, SUM(f.investment_count) AS investment_count,
               SUM(f.projected) AS projected, SUM(f.target) AS target,
               SUM(f.realised) AS realised, SUM(f.realised_unverified) AS realised_unverified,
               SUM(f.savings_count) AS savings_count, 1 AS council_count,
               {_roi("SUM(f.projected)", "SUM(f.investment)")} AS projected_roi,
               {_roi("SUM(f.realised)", "SUM(f.investment)")} AS realised_roi,
               %s AS computed_at
        FROM (
            SELECT i.strand_id, i.council_id, i.financial_year,
                   SUM(i.amount) AS investment, COUNT(*) AS investment_count,
                   0 AS projected, 0 AS target, 0 AS realised, 0 AS realised_unverified,
                   0 AS savings_count
            FROM savings_investment i WHERE 1 = 1{where_i}
            GROUP BY i.strand_id, i.council_id, i.financial_year
            UNION ALL
            SELECT s.strand_id, s.council_id, s.financial_year, 0, 0,
                   COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'projected'), 0),
                   COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'target'), 0),
                   COALESCE(SUM(s.amount) FILTER (WHERE {realised} NOT NULL), 0),
                   COALESCE(SUM(s.amount) FILTER (WHERE {realised} NULL), 0),
                   COUNT(*)
            FROM savings_savingsentry s
            WHERE {SAVINGS_COUNTED}{where_s}
            GROUP BY s.strand_id, s.council_id, s.financial_year
        ) f
        GROUP BY f.strand_id, f.council_id, f.financial_year
    """  # noqa: S608 - only our own column names are interpolated
    return sql, [now, *params_i, *params_s]


# Rollups by month of effective date (savings.models.RollupMonth; docs/savings.md,
# "Rollups by month"), beside the rollups above and kept by the same drain.
MONTH_COLUMNS = (
    "strand_id, council_id, financial_year, month, investment, investment_count, "
    "projected, target, realised_reported, realised_verified, savings_count"
)


def _month_of(day_sql: str, vendor: str = "") -> str:
    """The first day of the month of a date expression (a date, or on SQLite
    its ISO text, as Django stores dates there), in the SQL of `vendor`
    (default: the connection's)."""
    if (vendor or connection.vendor) == "postgresql":
        return f"CAST(DATE_TRUNC('month', {day_sql}) AS DATE)"
    return f"DATE({day_sql}, 'start of month')"


def _year_of(day_sql: str, vendor: str = "") -> str:
    """1 January of the year of a date expression (as _month_of)."""
    if (vendor or connection.vendor) == "postgresql":
        return f"CAST(DATE_TRUNC('year', {day_sql}) AS DATE)"
    return f"DATE({day_sql}, 'start of year')"


def _verified_day() -> tuple[str, list]:
    """The day a realised saving became verified as the board counts it: the
    later of the day it was reported and the day of `verified_at` in the
    project's time zone (savings.selectors.end_of_day)."""
    local, params = connection.ops.datetime_cast_date_sql(
        "s.verified_at", (), timezone.get_default_timezone_name()
    )
    later = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{later}(s.reported_on, {local})", list(params)


def _months_select(scopes: list[Scope] | None) -> tuple[str, list]:
    """The month rows of the scopes (all when None), from the facts: one grouping
    per kind of fact and effective date, then side by side (as _finest_select)."""
    where_i, params_i = _scope_filter(scopes, FINEST, "i")
    where_s, params_s = _scope_filter(scopes, FINEST, "s")
    verified_day, params_v = _verified_day()
    realised = "s.kind = 'realised'"
    # GROUP BY positions: the month expressions carry parameters on PostgreSQL.
    sql = f"""
        SELECT f.strand_id, f.council_id, f.financial_year, f.month,
               SUM(f.investment) AS investment, SUM(f.investment_count) AS investment_count,
               SUM(f.projected) AS projected, SUM(f.target) AS target,
               SUM(f.realised_reported) AS realised_reported,
               SUM(f.realised_verified) AS realised_verified,
               SUM(f.savings_count) AS savings_count, %s AS whole_year
        FROM (
            SELECT i.strand_id, i.council_id, i.financial_year,
                   {_month_of("i.awarded_on")} AS month,
                   SUM(i.amount) AS investment, COUNT(*) AS investment_count,
                   0 AS projected, 0 AS target, 0 AS realised_reported,
                   0 AS realised_verified, 0 AS savings_count
            FROM savings_investment i WHERE 1 = 1{where_i}
            GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT s.strand_id, s.council_id, s.financial_year,
                   {_month_of("s.reported_on")}, 0, 0,
                   COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'projected'), 0),
                   COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'target'), 0),
                   COALESCE(SUM(s.amount) FILTER (WHERE {realised}), 0),
                   0, COUNT(*)
            FROM savings_savingsentry s
            WHERE {SAVINGS_COUNTED}{where_s}
            GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT s.strand_id, s.council_id, s.financial_year,
                   {_month_of(verified_day)}, 0, 0, 0, 0, 0, SUM(s.amount), 0
            FROM savings_savingsentry s
            WHERE {SAVINGS_COUNTED} AND {realised} AND s.verified_at IS NOT NULL{where_s}
            GROUP BY 1, 2, 3, 4
        ) f
        GROUP BY f.strand_id, f.council_id, f.financial_year, f.month
    """  # noqa: S608 - only our own column names are interpolated
    return sql, [False, *params_i, *params_s, *params_v, *params_s]


# The full recompute builds every month row in this scratch table first, then
# writes only the difference into savings_rollupmonth (as the rollups do).
MONTH_SCRATCH = "rollup_month_rebuilt"
MONTH_CHANGED = "rollup_month_changed"
MONTH_KEY = ("strand_id", "council_id", "financial_year", "whole_year", "month")
MONTH_VALUES = tuple(MONTH_COLUMNS.split(", ")[4:])


def _insert_years(cursor, table: str, scopes: list[Scope] | None) -> None:
    """Each calendar year's rows of `table`, summed from its month rows there."""
    sums = ", ".join(f"SUM(m.{column})" for column in MONTH_VALUES)
    where, params = _scope_filter(scopes, FINEST, "m")
    cursor.execute(
        f"""
        INSERT INTO {table} ({MONTH_COLUMNS}, whole_year)
        SELECT m.strand_id, m.council_id, m.financial_year, {_year_of("m.month")}, {sums}, %s
        FROM {table} m
        WHERE m.whole_year = %s{where}
        GROUP BY 1, 2, 3, 4
        """,  # noqa: S608 - only our own names are interpolated
        [True, False, *params],
    )


def months_recompute(cursor, scopes: list[Scope] | None) -> int:
    """Make the month rows of the scopes (all when None) what the facts give:
    in the drain's transaction, under its lock, so a drain run twice leaves
    what a recompute from scratch does. Returns the rows written.

    A drain deletes its scopes' rows and inserts them again (a few rows). The
    full recompute (scopes None) builds every row into a scratch table and
    then writes only the difference: rows gone are deleted, changed rows
    updated, new rows inserted. The drains keep the month rows current, so
    the nightly run usually writes none of its ~310,000 rows (at benchmark
    size), where rewriting them all took about 12 s and left as many dead
    rows in the table and its three indexes."""
    if scopes is None:
        return _months_apply_all(cursor)
    where, params = _scope_filter(scopes, FINEST, "savings_rollupmonth")
    cursor.execute(f"DELETE FROM savings_rollupmonth WHERE 1 = 1{where}", params)  # noqa: S608
    select, params = _months_select(scopes)
    cursor.execute(
        f"INSERT INTO savings_rollupmonth ({MONTH_COLUMNS}, whole_year) {select}", params
    )
    written = cursor.rowcount
    _insert_years(cursor, "savings_rollupmonth", scopes)
    return written + cursor.rowcount


def _months_apply_all(cursor) -> int:
    """Every month row rebuilt into the scratch table (CREATE TABLE AS, as
    `_rebuild_scratch`: parallel workers, no WAL), then only the difference
    written into savings_rollupmonth; returns the rows deleted, updated and
    inserted.

    The difference is found by one full join of the two (a hash join on
    PostgreSQL; SQLite has FULL JOIN since 3.39) into a second scratch
    table, which the delete, update and insert then read: three
    comparisons of the ~310,000 rows each (an anti-join sorting both sides
    on the key) took longer than building the rows."""
    cursor.execute(f"DROP TABLE IF EXISTS {MONTH_SCRATCH}")
    cursor.execute(f"DROP TABLE IF EXISTS {MONTH_CHANGED}")
    select, params = _months_select(None)
    cursor.execute(f"CREATE TEMP TABLE {MONTH_SCRATCH} AS {select}", params)
    _insert_years(cursor, MONTH_SCRATCH, None)
    # A temporary table has no statistics until analysed (PostgreSQL).
    cursor.execute(f"ANALYZE {MONTH_SCRATCH}")
    same_key = " AND ".join(f"n.{column} = r.{column}" for column in MONTH_KEY)
    differs = " OR ".join(f"r.{column} <> n.{column}" for column in MONTH_VALUES)
    # old_id: the row to delete or update (NULL: a row to insert); strand_id
    # NULL: a row whose facts are gone.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {MONTH_CHANGED} AS
        SELECT r.id AS old_id, n.*
        FROM savings_rollupmonth r FULL JOIN {MONTH_SCRATCH} n ON {same_key}
        WHERE r.id IS NULL OR n.strand_id IS NULL OR {differs}
        """  # noqa: S608 - only our own names are interpolated
    )
    cursor.execute(
        f"""
        DELETE FROM savings_rollupmonth WHERE id IN (
            SELECT old_id FROM {MONTH_CHANGED} WHERE strand_id IS NULL
        )
        """  # noqa: S608 - only our own names are interpolated
    )
    written = cursor.rowcount
    cursor.execute(
        f"""
        UPDATE savings_rollupmonth
        SET {", ".join(f"{column} = n.{column}" for column in MONTH_VALUES)}
        FROM {MONTH_CHANGED} n
        WHERE savings_rollupmonth.id = n.old_id AND n.strand_id IS NOT NULL
        """  # noqa: S608 - only our own names are interpolated
    )
    written += cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO savings_rollupmonth ({MONTH_COLUMNS}, whole_year)
        SELECT {MONTH_COLUMNS}, whole_year FROM {MONTH_CHANGED} WHERE old_id IS NULL
        """  # noqa: S608 - only our own names are interpolated
    )
    written += cursor.rowcount
    cursor.execute(f"DROP TABLE {MONTH_CHANGED}")
    cursor.execute(f"DROP TABLE {MONTH_SCRATCH}")
    return written


def _insert_finest(cursor, scopes: list[Scope], now) -> None:
    select, params = _finest_select(scopes, now)
    cursor.execute(f"INSERT INTO savings_rollup ({INSERT_COLUMNS}) {select}", params)


def _insert_level(
    cursor,
    level: Level,
    source: Level,
    scopes: list[Scope] | None,
    now,
    table: str = "savings_rollup",
) -> None:
    """Insert one level's rows into `table`, summed from its source level's rows there."""
    fragment, params = _scope_filter(scopes, level, "r")
    council_count = "1" if level.council else "COUNT(*)"
    kept = level.kept("r")
    group_by = f"GROUP BY {', '.join(kept)}" if kept else ""
    sums = ", ".join(f"SUM(r.{column})" for column in TOTAL_COLUMNS)
    sql = f"""
        INSERT INTO {table} ({INSERT_COLUMNS})
        SELECT {level.key("r")}, {level.values("r")}, {sums}, {council_count},
               {_roi("SUM(r.projected)", "SUM(r.investment)")},
               {_roi("SUM(r.realised)", "SUM(r.investment)")}, %s
        FROM {table} r
        WHERE {source.where("r")}{fragment}
        {group_by}
        HAVING COUNT(*) > 0
    """  # noqa: S608 - only our own column names are interpolated
    cursor.execute(sql, [now, *params])


# The full recompute builds every row in this scratch table first, then
# writes only the difference into savings_rollup.
SCRATCH = "rollup_rebuilt"
# A row is rewritten when any of these differs (the ROIs may be NULL: -1
# stands for NULL, as no figure is negative).
COMPARED = (*TOTAL_COLUMNS, "council_count", "projected_roi", "realised_roi")


def _rebuild_scratch(cursor, now, progress: Callable[[int, int], None] | None) -> None:
    """Every rollup row, rebuilt from the facts, into the scratch table.

    CREATE TABLE AS, because PostgreSQL aggregates the facts with parallel
    workers there (never for INSERT ... SELECT); a temporary table, because
    it is private to this transaction and writes no WAL.
    """
    cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    select, params = _finest_select(None, now)
    cursor.execute(f"CREATE TEMP TABLE {SCRATCH} AS {select}", params)
    if progress:
        progress(1, LEVEL_COUNT)
    for done, (level, source) in enumerate(COARSER, start=2):
        _insert_level(cursor, level, source, None, now, table=SCRATCH)
        if progress:
            progress(done, LEVEL_COUNT)


def _apply_scratch(cursor, now) -> int:
    """Make savings_rollup hold the scratch table's rows; returns rows written.

    Only rows that differ are deleted and inserted again (as a drain does):
    the drains keep the rollups current, so a nightly rebuild usually
    rewrites nothing, leaves no dead rows behind in the table and its five
    indexes, and readers keep the same rows. The programme row always takes
    the new time: it says when the figures were last checked (freshness).
    """
    differs = " OR ".join(
        f"COALESCE(r.{column}, -1) <> COALESCE(n.{column}, -1)"
        if column.endswith("_roi")
        else f"r.{column} <> n.{column}"
        for column in COMPARED
    )
    cursor.execute(
        f"""
        DELETE FROM savings_rollup WHERE id IN (
            SELECT r.id FROM savings_rollup r
            LEFT JOIN {SCRATCH} n ON n.scope_key = r.scope_key
            WHERE n.scope_key IS NULL OR {differs}
        )
        """  # noqa: S608 - only our own names are interpolated
    )
    cursor.execute(
        f"""
        INSERT INTO savings_rollup ({INSERT_COLUMNS})
        SELECT {INSERT_COLUMNS} FROM {SCRATCH} n
        WHERE NOT EXISTS (SELECT 1 FROM savings_rollup r WHERE r.scope_key = n.scope_key)
        """  # noqa: S608 - only our own names are interpolated
    )
    written = cursor.rowcount
    cursor.execute(
        "UPDATE savings_rollup SET computed_at = %s WHERE scope_key = %s",
        [now, PROGRAMME_SCOPE_KEY],
    )
    cursor.execute(f"DROP TABLE {SCRATCH}")
    return written


def _lock(cursor) -> None:
    # Two drains recomputing at once could each write totals from a different
    # snapshot and the older one could land last. One writer at a time
    # prevents that; the lock ends with the transaction.
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK_KEY])
        # Room for the full recompute's grouping to stay in memory.
        cursor.execute("SET LOCAL work_mem = '64MB'")


# Strand statistics computed beside the rollups (ASCE's mean, median and
# mode): each strand's `StrandSpec.statistics`, found through the registry so
# that `savings` imports no strand.
def _statistics_hooks() -> dict[str, Callable[[set[str] | None], None]]:
    return {key: spec.statistics for key, spec in strands().items() if spec.statistics}


def _run_statistics(markers: Iterable[tuple[str, str]] | None) -> None:
    hooks = _statistics_hooks()
    if markers is None:
        for hook in hooks.values():
            hook(None)
        return
    years_by_strand: dict[str, set[str]] = {}
    for strand_key, year in markers:
        years_by_strand.setdefault(strand_key, set()).add(year)
    for strand_key, years in years_by_strand.items():
        if strand_key in hooks:
            hooks[strand_key](years)


# Other rollups of the same (strand, council, year) scopes, kept by the same
# outbox and drain (money out's committed, claimed and paid: docs/money.md,
# "Rollups"). Each hook rebuilds its own rows of the dirty scopes from its
# facts (`scopes` None: every row), in the drain's transaction and under its
# lock, so `savings` imports none of the apps that register one.
ScopeRecompute = Callable[[Any, list[Scope] | None, Any], None]
_scope_recomputes: list[ScopeRecompute] = []


def scope_recompute_register(hook: ScopeRecompute) -> None:
    """Have every drain and full recompute also run `hook(cursor, scopes, now)`."""
    if hook not in _scope_recomputes:
        _scope_recomputes.append(hook)


def scope_filter(scopes: list[Scope] | None, alias: str) -> tuple[str, list]:
    """A WHERE fragment (" AND ...") limiting `alias`'s (strand_id, council_id,
    financial_year) to the dirty scopes; empty for all of them."""
    return _scope_filter(scopes, FINEST, alias)


def recompute_scopes(scopes: list[Scope], now) -> None:
    """Rebuild every rollup row containing these (strand, council, year) scopes."""
    with connection.cursor() as cursor:
        _delete_level(cursor, FINEST, scopes)
        _insert_finest(cursor, scopes, now)
        for level, source in COARSER:
            _delete_level(cursor, level, scopes)
            _insert_level(cursor, level, source, scopes, now)
        months_recompute(cursor, scopes)
        for hook in _scope_recomputes:
            hook(cursor, scopes, now)


def _markers_to_drain(limit: int) -> tuple[list[int], list[Scope], list[tuple[str, str]], int]:
    """The scopes of the oldest `limit` markers, and every marker of those scopes.

    Returns (marker ids, scopes, (strand key, year) pairs, oldest markers read).
    A scope may hold several markers (one per change); all those visible now
    are taken, so a burst on one scope costs one recompute.
    """
    oldest = list(
        OutboxMarker.objects.order_by("marked_at", "pk").values_list(
            "strand_id", "council_id", "financial_year"
        )[:limit]
    )
    scopes = list(dict.fromkeys(oldest))
    if not scopes:
        return [], [], [], 0
    wanted = set(scopes)
    rows = OutboxMarker.objects.filter(
        strand_id__in={strand for strand, _, _ in wanted},
        council_id__in={council for _, council, _ in wanted},
        financial_year__in={year for _, _, year in wanted},
    ).values_list("pk", "strand_id", "council_id", "financial_year", "strand__key")
    pks: list[int] = []
    keys: dict[tuple[str, str], None] = {}
    for pk, strand, council, year, strand_key in rows:
        if (strand, council, year) in wanted:
            pks.append(pk)
            keys[(strand_key, year)] = None
    return pks, scopes, list(keys), len(oldest)


def drain_batch(limit: int = BATCH_SIZE) -> tuple[int, int]:
    """Drain the scopes of up to `limit` markers in one transaction.

    Returns (oldest markers read, markers removed). Only the markers read
    before the recompute are removed; a change committed meanwhile has its
    own marker, left for the next batch.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            _lock(cursor)
        pks, scopes, strand_years, read = _markers_to_drain(limit)
        if not scopes:
            return 0, 0
        started = timezone.now()
        recompute_scopes(scopes, started)
        _run_statistics(strand_years)
        removed = _markers_delete(pks)
        RollupRun.objects.create(
            trigger=RollupRun.Trigger.DRAIN,
            started_at=started,
            finished_at=timezone.now(),
            markers=removed,
            scopes=len(scopes),
        )
    return read, removed


def _markers_delete(pks: list[int]) -> int:
    removed = 0
    # In slices: keeps each IN (...) list far below SQLite's variable limit.
    for start in range(0, len(pks), BATCH_SIZE):
        removed += OutboxMarker.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).delete()[0]
    return removed


def drain(*, max_batches: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Drain the outbox until it is empty (or max_batches ran); markers removed."""
    total = 0
    for _ in range(max_batches):
        read, removed = drain_batch()
        total += removed
        if progress:
            progress(total)
        if read < BATCH_SIZE:
            break
    return total


def recompute_all(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every rollup row from the facts; returns the number of rows.

    Markers read before the rebuild are removed, since the rebuild covered
    them; markers inserted meanwhile stay for the next drain.
    """
    started_clock = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            _lock(cursor)
        pending = list(OutboxMarker.objects.values_list("pk", flat=True))
        now = timezone.now()
        with connection.cursor() as cursor:
            _rebuild_scratch(cursor, now, progress)
            written = _apply_scratch(cursor, now)
            months_written = months_recompute(cursor, None)
            for hook in _scope_recomputes:
                hook(cursor, None, now)
            _run_statistics(None)
            cursor.execute("SELECT COUNT(*) FROM savings_rollup")
            rows = cursor.fetchone()[0]
        _markers_delete(pending)
        RollupRun.objects.create(
            trigger=RollupRun.Trigger.FULL,
            started_at=now,
            finished_at=timezone.now(),
            markers=len(pending),
            scopes=rows,
        )
    logger.info(
        "Recomputed %s rollup rows (%s rewritten; %s month rows written) in %.2fs",
        rows,
        written,
        months_written,
        time.monotonic() - started_clock,
    )
    return rows
