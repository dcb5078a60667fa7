"""Reads for the board pages: rollup rows, plus small fixed-size reads.

Every function here runs a fixed number of queries whatever the number of
facts: figures come from `savings.selectors` (rollup rows) and the ASCE
statistics rows; the only other reads are of rows that do not grow with the
facts (strands, workstreams) or a grouped count (bids by state). The tests
in `tests/board/test_queries.py` hold this at two data sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.models import Application, ApplicationEvent, ApplicationState, AwardShare, Call
from applications.selectors import award_share_totals_on
from programmes.board.charts import Cell, DataTable
from programmes.board.models import BoardPaper, PaperState
from programmes.board.opendata import Beneficiary, GrantRecord
from programmes.health import Health, worker_last_seen_query, worker_status
from programmes.models import Council, Strand
from programmes.payments.models import ClaimState
from programmes.returns.selectors import (
    ReturnsSummary,
    returns_summaries_by_council,
)
from programmes.selectors import council_lineage_ids
from programmes.strands import get_strand, strands
from programmes.versions import BOARD, version_get
from savings import selectors as rollups
from savings.health import outbox_status
from savings.models import OutboxMarker, Rollup


@dataclass(frozen=True)
class Freshness:
    """When the figures were computed, and the health facts (programmes.health, savings.health)
    that say whether they may be behind: changes waiting too long, or a worker
    that has stopped reporting."""

    computed_at: datetime | None
    health: Health

    @property
    def oldest_pending(self) -> datetime | None:
        return self.health.oldest_pending

    @property
    def is_stale(self) -> bool:
        return not self.health.check("outbox").ok

    @property
    def worker_down(self) -> bool:
        return not self.health.check("worker").ok

    @property
    def worker_last_seen(self) -> datetime | None:
        return self.health.worker_last_seen


def freshness() -> Freshness:
    """When the figures were computed, and whether they may be behind (1 query):
    the worker's and the outbox's health checks, as /healthz reports them.
    Without /healthz's database probe: a board page has read the database
    already (a database that is down fails the page before this)."""
    now = timezone.now()
    computed_at, last_seen, oldest = _freshness_times()
    health = Health(
        now,
        (
            worker_status(now=now, eager=settings.CELERY_TASK_ALWAYS_EAGER, last_seen=last_seen),
            outbox_status(now=now, oldest=oldest),
        ),
    )
    return Freshness(computed_at=computed_at, health=health)


def _freshness_times() -> list[datetime | None]:
    """When the rollups were last recomputed (`rollups_computed_at`: the
    programme row's stamp), the worker's last heartbeat and the oldest change
    waiting for the rollups (`outbox_oldest_pending`): three one-value reads
    as one query of three subqueries, where every board page made three."""
    reads = [
        Rollup.objects.filter(scope_key=rollups.PROGRAMME_SCOPE_KEY)
        .order_by()
        .values("computed_at")[:1],
        worker_last_seen_query(),
        OutboxMarker.objects.order_by("marked_at").values("marked_at")[:1],
    ]
    compiled = [read.query.sql_with_params() for read in reads]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"({sql})" for sql, _ in compiled),
            [param for _, params in compiled for param in params],
        )
        row = cursor.fetchone()
    # As the ORM would give them (SQLite's driver gives text).
    column = Rollup._meta.get_field("computed_at").cached_col
    converters = connection.ops.get_db_converters(column)
    return [
        reduce(lambda value, convert: convert(value, column, connection), converters, value)
        for value in row
    ]


@dataclass(frozen=True)
class StrandActivity:
    """What a strand has awarded: approved bids (or, for a strand whose awards
    are not bids, what its `BoardBlock.activity` says, e.g. OPE's pilots)."""

    awards: int
    councils_served: int
    days_awarded: int = 0
    label: str = "Bids approved"


@dataclass(frozen=True)
class StrandFigures:
    """A strand's figures as the board reads them everywhere: the card on the
    overview, the strand page, the paper and its snapshot. `councils` is the
    one "councils taking part" figure (the strand's `BoardBlock.councils`
    when its records, not savings facts, say who takes part, e.g. ASCE's
    returns; else the councils with facts, or served by its awards)."""

    strand: Strand
    rollup: Rollup
    councils: int = 0
    activity: StrandActivity | None = None


def _strand_figures(
    strand_rows: list[Strand], rows: list[Rollup], *, as_at: date | None = None
) -> list[StrandFigures]:
    """Every strand, with zeros for a strand that has no facts yet, its awards
    (decided by `as_at`, if given) and councils taking part: 3 queries for the
    bid-based strands together, plus one per strand with its own count (OPE, ASCE)."""
    by_strand = {row.strand_id: row for row in rows}
    activities = strand_activities(strand_rows, on=as_at)
    figures = []
    for strand in strand_rows:
        rollup = by_strand.get(strand.pk) or _zero(strand=strand)
        activity = activities.get(strand.pk)
        block = strand.spec.board if strand.key in strands() else None
        if block is not None and block.councils is not None:
            # A date only when asked: a strand's count may have none (docs/strands.md).
            councils = block.councils(as_at=as_at) if as_at else block.councils()
        else:
            councils = max(rollup.council_count, activity.councils_served if activity else 0)
        figures.append(StrandFigures(strand, rollup, councils, activity))
    return figures


def strand_figures(*, strand: Strand, as_at: date | None = None) -> StrandFigures:
    """One strand's figures (`_strand_figures` for one strand), now or as at a date."""
    total = rollups.Figures(as_at=as_at, strand=strand).total()
    return _strand_figures([strand], [total], as_at=as_at)[0]


def programme_strand_figures(
    *, as_at: date | None = None, source: rollups.Figures | None = None
) -> list[StrandFigures]:
    """Every strand's figures, in display order, now or as at a date
    (docs/board.md, "As at a date"), from `source` when the caller has the
    programme's `Figures` as at that date already (its rows are read once)."""
    strand_rows = list(Strand.objects.order_by("display_order", "name"))
    source = source or rollups.Figures(as_at=as_at)
    assert source.as_at == as_at and source.strand is None and source.council is None
    return _strand_figures(strand_rows, source.by_strand(), as_at=as_at)


def _zero(*, strand: Strand | None = None, council: Council | None = None) -> Rollup:
    # Never saved: a zero row was never computed.
    return Rollup(strand=strand, council=council, financial_year="", computed_at=None)  # type: ignore[misc]


def savings_by_year_table(rows: list[Rollup], *, caption: str) -> DataTable:
    return DataTable(
        caption=caption,
        columns=[
            "Financial year",
            "Invested",
            "Projected savings",
            "Realised savings (verified)",
            "Reported, awaiting verification",
        ],
        rows=[
            [
                row.financial_year,
                row.investment,
                row.projected,
                row.realised,
                row.realised_unverified,
            ]
            for row in rows
        ],
        money_columns=frozenset({1, 2, 3, 4}),
    )


def savings_by_year_chart_table(table: DataTable) -> DataTable:
    """Only projected against realised: the chart the issue asks for."""
    return DataTable(
        caption=table.caption,
        columns=[table.columns[0], table.columns[2], table.columns[3]],
        rows=[[row[0], row[2], row[3]] for row in table.rows],
        money_columns=frozenset({1, 2}),
    )


# A savings target nobody set reads "None set", never £0 (docs/board.md,
# "Targets"); in the CSV too.
NO_TARGET = "None set"


def _target(value: Decimal) -> Cell:
    return value if value else NO_TARGET


def strands_table(figures: list[StrandFigures], *, as_at: date | None = None) -> DataTable:
    return DataTable(
        caption=_as_at_caption("Investment and savings by strand", as_at),
        columns=[
            "Strand",
            "Invested",
            "Savings target",
            "Projected savings",
            "Realised savings (verified)",
            "Projected £ saved per £1",
            "Realised £ saved per £1",
            "Councils taking part",
        ],
        rows=[
            [
                item.strand.name,
                item.rollup.investment,
                _target(item.rollup.target),
                item.rollup.projected,
                item.rollup.realised,
                item.rollup.projected_roi,
                item.rollup.realised_roi,
                item.councils,
            ]
            for item in figures
        ],
        money_columns=frozenset({1, 2, 3, 4}),
        roi_columns=frozenset({5, 6}),
    )


# Bid counts are read current (officers act on them), but counting thousands
# of bids on every board page grows with the bids: the counts are kept in the
# cache under the board's data version (programmes.versions), which every
# service that adds a bid, moves it between states, decides it or changes
# what it awards replaces in the same transaction. Reading the version is
# one primary-key lookup, once per request, so a cached count is never
# stale and the board pages cost the same at any number of bids. A write
# that bypasses the services (a shell, bulk SQL) must call
# `version_bump(BOARD)` itself; if it does not, its change shows within
# BIDS_CACHE_SECONDS, when the entries expire.
BIDS_CACHE_SECONDS = 3600


def _bids_cached(name: str, compute: Callable[[], Any]) -> Any:
    key = f"board:bids:{name}:{version_get(BOARD)}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, BIDS_CACHE_SECONDS)
    return found


def bids_by_state_table(*, council: Council | None = None, as_at: date | None = None) -> DataTable:
    """Bids per strand and state, in one grouped query (bids, not rollups;
    officers need them current); the whole programme's is kept in the cache
    under the bids' version (`_bids_cached`). As at a date, each bid is
    counted in the state its timeline (`ApplicationEvent`) had reached by
    the end of that day, and a bid with no event by then is not counted."""
    if council is None:
        key = f"by-state:{as_at or ''}"
        return _bids_cached(key, lambda: _bids_by_state_table(council=None, as_at=as_at))
    return _bids_by_state_table(council=council, as_at=as_at)


def bids_as_at(
    bids: QuerySet[Application], *, as_at: date, drafts: bool = True
) -> QuerySet[Application]:
    """These bids as they stood at the end of `as_at`: each annotated with
    `state_then`, the state its timeline (`ApplicationEvent`) had reached by
    then, and a bid with no event by then left out (and one still a draft
    then, unless `drafts`). The one definition of a bid's state at a date:
    the bids by state and a council's list read it."""
    # The bid's last state change by the end of the day (the event_timeline
    # index: one probe per bid).
    moves = ApplicationEvent.objects.filter(at__lt=rollups.end_of_day(as_at)).exclude(to_state="")
    then = moves.filter(application=OuterRef("pk"))
    # Only the bids with an event by then (a semi-join on the events up to
    # the date), rather than a filter on the subquery: PostgreSQL ran that
    # twice per bid, for every bid, and compiled it (JIT) for longer than it
    # ran (42-65 ms -> 2 ms as at 9 July 2015 at 10,000 bids).
    dated = bids.filter(pk__in=moves.values("application_id")).annotate(
        state_then=Subquery(then.order_by("-at", "-pk").values("to_state")[:1])
    )
    return dated if drafts else dated.exclude(state_then=ApplicationState.DRAFT)


def _bids_by_state_table(*, council: Council | None, as_at: date | None) -> DataTable:
    bids = Application.objects.all()
    if council is not None:
        bids = bids.filter(Q(lead_council=council) | Q(partner_councils=council)).distinct()
    state = "state"
    if as_at is not None:
        bids = bids_as_at(bids, as_at=as_at)
        state = "state_then"
    counts = {
        (row["call__strand__name"], row[state]): row["n"]
        for row in bids.values("call__strand__name", state).annotate(n=Count("pk", distinct=True))
    }
    strand_names = sorted({name for name, _ in counts}, key=str)
    states = list(ApplicationState)
    return DataTable(
        caption="Bids by strand and state"
        + (f", {council.name}" if council else "")
        + (f", as at {as_at:%-d %B %Y}" if as_at else ""),
        columns=["Strand", *[state.label for state in states], "All bids"],
        rows=[
            [
                name,
                *[counts.get((name, state.value), 0) for state in states],
                sum(counts.get((name, state.value), 0) for state in states),
            ]
            for name in strand_names
        ],
    )


def council_strands_table(
    figures: list[StrandFigures], *, council: Council, as_at: date | None = None
) -> DataTable:
    return DataTable(
        caption=_as_at_caption(f"Investment and savings by strand, {council.name}", as_at),
        columns=[
            "Strand",
            "Invested",
            "Savings target",
            "Projected savings",
            "Realised savings (verified)",
            "Projected £ saved per £1",
            "Realised £ saved per £1",
        ],
        rows=[
            [
                item.strand.name,
                item.rollup.investment,
                _target(item.rollup.target),
                item.rollup.projected,
                item.rollup.realised,
                item.rollup.projected_roi,
                item.rollup.realised_roi,
            ]
            for item in figures
        ],
        money_columns=frozenset({1, 2, 3, 4}),
        roi_columns=frozenset({5, 6}),
    )


def _as_at_caption(caption: str, as_at: date | None) -> str:
    """A table's caption says the date its figures are as at (and so its CSV)."""
    return f"{caption}, as at {as_at:%-d %B %Y}" if as_at else caption


@dataclass
class Overview:
    programme: Rollup
    strands: list[StrandFigures]
    by_year: list[Rollup]
    freshness: Freshness
    bids: DataTable
    # Realised savings against targets, only where one was set.
    targets: rollups.TargetsCompared
    tables: dict[str, DataTable] = field(default_factory=dict)
    # The date every figure is as at; None: now (docs/board.md, "As at a date").
    as_at: date | None = None


def programme_overview(*, as_at: date | None = None) -> Overview:
    """The programme overview, now (12 queries whatever the data size) or as
    at a date (its figures from the facts, `savings.selectors.Figures`)."""
    source = rollups.Figures(as_at=as_at)
    figures = programme_strand_figures(as_at=as_at, source=source)
    by_year = source.by_year()
    year_table = savings_by_year_table(
        by_year,
        caption=_as_at_caption("Investment and savings by financial year, whole programme", as_at),
    )
    overview = Overview(
        programme=source.total(),
        strands=figures,
        by_year=by_year,
        freshness=freshness(),
        bids=bids_by_state_table(as_at=as_at),
        targets=source.targets(),
        as_at=as_at,
    )
    overview.tables = {
        "savings_by_year": year_table,
        "strands": strands_table(figures, as_at=as_at),
        "bids_by_state": overview.bids,
    }
    return overview


def strand_activities(
    strand_rows: list[Strand], *, on: date | None = None
) -> dict[int, StrandActivity]:
    """Awards, councils served (lead or partner) and days awarded of each
    bid-based strand (3 grouped queries for them all), or the strand's own
    `BoardBlock.activity` where its awards are not bids. With `on`, only the
    bids decided by that day (a paper counts what was known at its meeting)."""
    result: dict[int, StrandActivity] = {}
    bid_based = []
    for strand in strand_rows:
        spec = strands().get(strand.key)
        if spec is None:
            continue
        if spec.board is not None and spec.board.activity is not None:
            activity = spec.board.activity
            result[strand.pk] = activity(strand, as_at=on) if on else activity(strand)
        elif spec.bid_based:
            bid_based.append(strand.pk)
    if bid_based:
        key = f"activities:{','.join(map(str, bid_based))}:{on or ''}"
        result.update(_bids_cached(key, lambda: _bid_activities(bid_based, on=on)))
    return result


def _bid_activities(bid_based: list[int], *, on: date | None) -> dict[int, StrandActivity]:
    result: dict[int, StrandActivity] = {}
    approved = Application.objects.filter(
        call__strand__in=bid_based, state=ApplicationState.APPROVED
    )
    if on is not None:
        approved = approved.filter(decided_at__date__lte=on)
    totals = {
        row["call__strand"]: row
        for row in approved.order_by()
        .values("call__strand")
        .annotate(awards=Count("pk"), days=Sum("award_days"))
    }
    served: dict[int, set[int]] = {pk: set() for pk in bid_based}
    for strand_pk, council_pk in (
        approved.order_by().values_list("call__strand", "lead_council").distinct()
    ):
        served[strand_pk].add(council_pk)
    partners = Application.partner_councils.through.objects.filter(application__in=approved)
    for strand_pk, council_pk in (
        partners.order_by().values_list("application__call__strand", "council").distinct()
    ):
        served[strand_pk].add(council_pk)
    for pk in bid_based:
        row = totals.get(pk, {})
        result[pk] = StrandActivity(
            awards=row.get("awards") or 0,
            councils_served=len(served[pk]),
            days_awarded=row.get("days") or 0,
        )
    return result


def bids_received(*, strand: Strand, on: date) -> int:
    """The strand's bids sent by the end of `on` (a paper counts what was
    known at its meeting): a count over the bids, kept in the cache under the
    board's version (`_bids_cached`)."""

    def count() -> int:
        return (
            Application.objects.filter(call__strand=strand, submitted_at__date__lte=on)
            .exclude(state=ApplicationState.DRAFT)
            .count()
        )

    return int(_bids_cached(f"received:{strand.pk}:{on.isoformat()}", count))


def strand_activity(*, strand: Strand, on: date | None = None) -> StrandActivity:
    """One strand's awards (`strand_activities`)."""
    return strand_activities([strand], on=on).get(strand.pk) or StrandActivity(0, 0)


@dataclass(frozen=True)
class CouncilServed:
    """A council a strand serves (docs/board.md, "Councils served and shares"):
    its role ("Lead", "Partner", "Lead and partner" for the strand's awards,
    or the strand's own words, e.g. "Leads Energy") and its share of the
    strand's awards (None where no award serves it)."""

    council: Council
    role: str
    share: Decimal | None = None


def _award_councils(
    strand_pk: int, *, on: date | None = None
) -> dict[int, tuple[bool, bool, Decimal]]:
    """Each council the strand's approved awards (decided by `on`, if given:
    the awards `_bid_activities` counts) serve: (leads one, partners in one,
    its shares' total, in the splits in force at the end of `on`, if given:
    `applications.selectors.award_share_totals_on`): 3 grouped queries (4
    as at a date)."""
    approved = Application.objects.filter(call__strand=strand_pk, state=ApplicationState.APPROVED)
    if on is not None:
        approved = approved.filter(decided_at__date__lte=on)
    served: dict[int, list[Any]] = {}
    for pk in approved.order_by().values_list("lead_council", flat=True).distinct():
        served[pk] = [True, False, Decimal(0)]
    partners = Application.partner_councils.through.objects.filter(application__in=approved)
    for pk in partners.order_by().values_list("council", flat=True).distinct():
        served.setdefault(pk, [False, False, Decimal(0)])[1] = True
    if on is None:
        shares = AwardShare.objects.filter(application__in=approved).order_by().values("council")
        totals = {row["council"]: row["total"] for row in shares.annotate(total=Sum("amount"))}
    else:
        totals = award_share_totals_on(on=on, applications=approved)
    for pk, total in totals.items():
        served.setdefault(pk, [False, False, Decimal(0)])[2] = total
    return {pk: (led, partnered, share) for pk, (led, partnered, share) in served.items()}


def _role(led: bool, partnered: bool) -> str:
    return "Lead and partner" if led and partnered else "Lead" if led else "Partner"


def strand_councils_served(*, strand: Strand, as_at: date | None = None) -> list[CouncilServed]:
    """Every council the strand serves, by name: the lead and partner
    councils of its approved awards (decided by `as_at`, if given), with
    each one's share of them (kept in the cache under the board's version,
    as they are read from the bids), and those its records say it serves
    (its `BoardBlock.served`, e.g. procurement's workstream leads, ASCE's
    councils with a return). 1 query, plus 3 when not cached and 1 for a
    strand's own records. As at a date, each award's shares are the split in
    force at the end of that day (docs/board.md, "As at a date")."""
    spec = strands().get(strand.key)
    awards: dict[int, tuple[bool, bool, Decimal]] = {}
    if spec is not None and spec.bid_based:
        awards = _bids_cached(
            f"served:{strand.pk}:{as_at or ''}", lambda: _award_councils(strand.pk, on=as_at)
        )
    by_records: list[tuple[Council, str]] = []
    if spec is not None and spec.board is not None and spec.board.served is not None:
        by_records = spec.board.served(as_at=as_at) if as_at else spec.board.served()
    roles: dict[int, list[str]] = {}
    for council, role in by_records:
        roles.setdefault(council.pk, []).append(role)
    councils = Council.objects.in_bulk(set(awards) | set(roles)) if awards or roles else {}
    served = []
    for pk, council in councils.items():
        words = [_role(*awards[pk][:2])] if pk in awards else []
        served.append(
            CouncilServed(
                council=council,
                role="; ".join([*words, *roles.get(pk, [])]),
                share=awards[pk][2] if pk in awards else None,
            )
        )
    return sorted(served, key=lambda item: (item.council.name, item.council.pk))


# A council's row in a strand's councils table: its figures, its share of the
# strand's awards (None: no award serves it) and its role.
ServedRow = tuple[str, Rollup, Decimal | None]


def councils_served_rows(rows: list[Rollup], served: list[CouncilServed]) -> list[ServedRow]:
    """Every council with figures in the strand or served by it, by name (no query)."""
    by_council: dict[int, Rollup] = {row.council_id: row for row in rows if row.council_id}
    result: list[ServedRow] = []
    seen = set()
    for item in served:
        seen.add(item.council.pk)
        rollup = by_council.get(item.council.pk) or _zero(council=item.council)
        result.append((item.role, rollup, item.share))
    result += [("", row, None) for row in rows if row.council_id not in seen]
    return sorted(result, key=lambda row: str(row[1].council))


def councils_served_table(rows: list[ServedRow], *, caption: str) -> DataTable:
    """A strand's councils: each council served (lead or partner) with its
    share of the strand's awards, and its investment and savings."""
    return DataTable(
        caption=caption,
        columns=[
            "Council",
            "Role",
            "Share of awards",
            "Invested",
            "Savings target",
            "Projected savings",
            "Realised savings (verified)",
        ],
        rows=[
            [
                str(rollup.council),
                role,
                share,
                rollup.investment,
                _target(rollup.target),
                rollup.projected,
                rollup.realised,
            ]
            for role, rollup, share in rows
        ],
        money_columns=frozenset({2, 3, 4, 5, 6}),
    )


@dataclass
class StrandPage:
    strand: Strand
    figures: StrandFigures
    by_year: list[Rollup]
    by_council: list[Rollup]
    freshness: Freshness
    tables: dict[str, DataTable] = field(default_factory=dict)
    # The date every figure is as at; None: now. A strand's `BoardBlock.fill`
    # reads it for its own records.
    as_at: date | None = None
    # The councils table on the page: the ones with the most projected savings.
    # All councils are in the CSV (tables["councils"]).
    councils_shown: DataTable | None = None
    # Every council the strand serves, lead or partner, with its share of the
    # awards (`strand_councils_served`): with those that have figures, the
    # rows of the councils table.
    served: list[CouncilServed] = field(default_factory=list)
    # The strand's own status, from its records (plans, appointments, days).
    status: list[tuple[str, str]] = field(default_factory=list)
    # Whatever else the strand's board block shows (its `BoardBlock.template`).
    extra: dict[str, Any] = field(default_factory=dict)
    # As at a date: what the page shows as it stands today, having no date of
    # its own, in words for the page's inset (docs/board.md, "As at a date").
    undated: list[str] = field(default_factory=list)

    @property
    def rollup(self) -> Rollup:
        return self.figures.rollup

    @property
    def targets(self) -> rollups.TargetsCompared:
        """Realised savings against targets, only where one was set (no query)."""
        return rollups.targets_compared(strand=self.strand, rows=self.by_council)

    @property
    def activity(self) -> StrandActivity | None:
        return self.figures.activity


# A strand can have hundreds of councils; a page table of them all is
# unreadable and its rendering grows with the data (a board page must cost the
# same at any size), so the page shows the top ones and the CSV has them all.
COUNCILS_SHOWN = 20


def strand_page(*, strand: Strand, as_at: date | None = None) -> StrandPage:
    """One strand's figures, now (5 queries, plus the strand's own fixed-size
    reads: its `BoardBlock.fill`: ASCE statistics 1; procurement workstreams
    and EU milestones 3; the bid-based strands' status 2 and awards 2) or as
    at a date (`savings.selectors.Figures`)."""
    source = rollups.Figures(as_at=as_at, strand=strand)
    by_year = source.by_year()
    by_council = source.by_council()
    # The councils the awards decided by the date serve, with their shares
    # in the splits in force then (docs/board.md, "As at a date").
    served = strand_councils_served(strand=strand, as_at=as_at)
    page = StrandPage(
        strand=strand,
        figures=_strand_figures([strand], [source.total()], as_at=as_at)[0],
        by_year=by_year,
        by_council=by_council,
        freshness=freshness(),
        as_at=as_at,
        served=served,
    )
    every = councils_served_rows(by_council, served)
    page.tables = {
        "savings_by_year": savings_by_year_table(
            by_year,
            caption=_as_at_caption(
                f"Investment and savings by financial year, {strand.name}", as_at
            ),
        ),
        "councils": councils_served_table(
            every,
            caption=_as_at_caption(
                f"Councils served, their shares and savings, {strand.name}", as_at
            ),
        ),
    }
    ranked = sorted(
        every, key=lambda row: (row[1].projected, row[2] or 0, row[1].investment), reverse=True
    )
    shown = sorted(ranked[:COUNCILS_SHOWN], key=lambda row: str(row[1].council))
    page.councils_shown = councils_served_table(
        shown,
        caption=_as_at_caption(
            f"Councils served, their shares and savings, {strand.name}"
            if len(shown) == len(every)
            else f"The {len(shown)} councils with the most projected savings, {strand.name}",
            as_at,
        ),
    )
    spec = strand.spec
    if spec.board is not None:
        spec.board.fill(page)
    return page


@dataclass
class CouncilPage:
    council: Council
    rollup: Rollup
    strands: list[StrandFigures]
    by_year: list[Rollup]
    freshness: Freshness
    # The strands of the council's bids: the bids themselves are a list of
    # their own, a page at a time (`council_bids`, paginated by the view).
    bid_strand_names: set[str]
    tables: dict[str, DataTable] = field(default_factory=dict)
    # The date every figure is as at; None: now.
    as_at: date | None = None
    # Each strand's own records of the council (`BoardBlock.council_fill`):
    # (template, records) per strand with any, in strand order.
    records: dict[str, tuple[str, list]] = field(default_factory=dict)

    @property
    def strand_names(self) -> list[str]:
        """Every strand the council takes part in: through facts, bids, or its
        records in a strand (ASCE returns, a seat on a procurement board)."""
        names = {item.strand.name for item in self.strands}
        names |= self.bid_strand_names
        names |= {get_strand(key).name for key in self.records}
        return sorted(names)

    @property
    def targets(self) -> rollups.TargetsCompared:
        """Realised savings against targets, only in the strands where the
        council set one (no query)."""
        return rollups.targets_compared(
            council=self.council, rows=[item.rollup for item in self.strands]
        )


def _council_bids(council: Council) -> QuerySet[Application]:
    # Partnered bids by a subquery, not a join: a join repeats a bid per
    # partner, so it needs a DISTINCT that sorts every bid before a page's LIMIT.
    partnered = Application.partner_councils.through.objects.filter(council=council)
    return Application.objects.filter(
        Q(lead_council=council) | Q(pk__in=partnered.values("application_id"))
    ).exclude(state=ApplicationState.DRAFT)


def council_bids(*, council: Council) -> QuerySet[Application]:
    """The bids the council leads or partners in, newest first, for a paginated
    list (programmes.pagination: a COUNT and one query per page). The primary
    key breaks ties so that pages never repeat or skip a bid."""
    return (
        _council_bids(council)
        .select_related("call__strand", "lead_council")
        .order_by("-created_at", "-pk")
    )


class CouncilBidPages:
    """The council's bids (led or partnered, not drafts), newest first, for
    the paginated list: sliced, a page reads only its own rows, in one query.

    The keys come from two ordered reads, each stopped at the page's end: the
    bids the council leads (the `application_council_list` index, by
    council then newest) and the bids it partners in (few), merged; then the
    page's rows are read by key. A single `lead OR partner` filter cannot use
    that index and sorted every bid of the council for each page (74 ms at
    4,400 bids, issue 26). The count is the cached one (`council_bid_count`)."""

    ordered = True

    def __init__(self, council: Council, count: int) -> None:
        self.council = council
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[Application]:
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return []
        table = Application._meta.db_table
        partners = Application.partner_councils.through._meta.db_table
        draft = ApplicationState.DRAFT.value
        keys = RawSQL(  # noqa: S611 - table names from the models, values are parameters
            f"""SELECT id FROM (
                SELECT * FROM (
                    SELECT id, created_at FROM {table}
                    WHERE lead_council_id = %s AND state <> %s
                    ORDER BY created_at DESC, id DESC LIMIT %s
                ) led
                UNION ALL
                SELECT * FROM (
                    SELECT a.id, a.created_at FROM {table} a
                    JOIN {partners} p ON p.application_id = a.id
                    WHERE p.council_id = %s AND a.lead_council_id <> %s AND a.state <> %s
                    ORDER BY a.created_at DESC, a.id DESC LIMIT %s
                ) partnered
            ) bids ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s""",  # noqa: S608
            [
                *(self.council.pk, draft, stop),
                *(self.council.pk, self.council.pk, draft, stop),
                *(stop - start, start),
            ],
        )
        return list(
            Application.objects.filter(pk__in=keys)
            .select_related("call__strand", "lead_council")
            .order_by("-created_at", "-pk")
        )


def council_bid_pages(*, council: Council) -> CouncilBidPages:
    """The council's bids for the paginated list (`CouncilBidPages`): the
    cached count, then one query per page."""
    return CouncilBidPages(council, council_bid_count(council=council))


@dataclass(frozen=True)
class BidThen:
    """A bid in a council's list as at a date: its state then, and its award
    only if it had been approved by then (what the list shows of a bid)."""

    reference: str
    title: str
    lead_council_id: int
    lead_council: Council
    call: Call
    state: str
    award_amount: Decimal | None
    award_days: int | None

    def get_state_display(self) -> str:
        return str(ApplicationState(self.state).label)


class CouncilBidsAsAt:
    """The council's bids as at a date, for the paginated list: those sent
    by then, each in the state its timeline had reached (`bids_as_at`),
    newest first. The count is kept in the cache under the board's version
    (`_bids_cached`, as `council_bid_count`), then one query per page."""

    ordered = True

    def __init__(self, council: Council, as_at: date) -> None:
        sent = bids_as_at(_council_bids_sent(council), as_at=as_at, drafts=False)
        self.bids = sent.select_related("call__strand", "lead_council").order_by(
            "-created_at", "-pk"
        )
        self._key = f"council-count:{council.pk}:{as_at.isoformat()}"

    def count(self) -> int:
        return int(_bids_cached(self._key, self.bids.count))

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[BidThen]:
        return [_bid_then(bid) for bid in self.bids[index]]


def _bid_then(bid: Application) -> BidThen:
    approved = bid.state_then == ApplicationState.APPROVED  # type: ignore[attr-defined]
    return BidThen(
        reference=bid.reference,
        title=bid.title,
        lead_council_id=bid.lead_council_id,
        lead_council=bid.lead_council,
        call=bid.call,
        state=bid.state_then,  # type: ignore[attr-defined]  # bids_as_at's annotation
        award_amount=bid.award_amount if approved else None,
        award_days=bid.award_days if approved else None,
    )


def _council_bids_sent(council: Council) -> QuerySet[Application]:
    # Every bid the council leads or partners in, whatever its state now
    # (`bids_as_at` reads its state then): a bid returned to its council as a
    # draft since the date had still been sent at it.
    partnered = Application.partner_councils.through.objects.filter(council=council)
    return Application.objects.filter(
        Q(lead_council=council) | Q(pk__in=partnered.values("application_id"))
    )


def council_bids_list(*, council: Council, as_at: date | None = None) -> Any:
    """The council's bids for the paginated list: now, `CouncilBidPages`; as
    at a date, `CouncilBidsAsAt`."""
    if as_at is None:
        return council_bid_pages(council=council)
    return CouncilBidsAsAt(council, as_at)


def council_bid_strand_names(*, council: Council, as_at: date | None = None) -> set[str]:
    """The strands the council has bid in (by `as_at`, if given: bids sent by
    then, `bids_as_at`): one query, kept in the cache under the board's
    version (`_bids_cached`), as it reads every bid of the council."""

    def names() -> list[str]:
        if as_at is None:
            bids = _council_bids(council).order_by()
        else:
            bids = bids_as_at(_council_bids_sent(council), as_at=as_at, drafts=False).order_by()
        return sorted(set(bids.values_list("call__strand__name", flat=True).distinct()))

    return set(_bids_cached(f"council-strands:{council.pk}:{as_at or ''}", names))


def council_bid_count(*, council: Council) -> int:
    """How many bids the council leads or partners in (not drafts), for the
    list's pages: kept in the cache under the board's version (`_bids_cached`)."""
    return int(_bids_cached(f"council-count:{council.pk}", _council_bids(council).count))


def councils_bid_counts(*, council_ids: list[int], as_at: date | None = None) -> dict[int, int]:
    """`council_bid_count` for several councils in one query (the board's
    predecessors), kept in the cache as it is; a council with none is left out.
    As at a date: the bids each led or partnered in that had been sent by the
    end of it (their state then, `bids_as_at`), in two queries."""

    def counted() -> dict[int, int]:
        sent = ~Q(state=ApplicationState.DRAFT)
        led = (
            Application.objects.filter(sent, lead_council=OuterRef("pk"))
            .order_by()
            .values("lead_council")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # A bid counts once: partnered bids the council does not also lead.
        partnered = (
            Application.objects.filter(sent, partner_councils=OuterRef("pk"))
            .exclude(lead_council=OuterRef("pk"))
            .order_by()
            .values("partner_councils")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = Council.objects.filter(pk__in=council_ids).values_list(
            "pk",
            Coalesce(Subquery(led), 0),
            Coalesce(Subquery(partnered), 0),
        )
        return {pk: led_n + partnered_n for pk, led_n, partnered_n in rows if led_n + partnered_n}

    def counted_then() -> dict[int, int]:
        assert as_at is not None
        theirs = Q(lead_council__in=council_ids) | Q(partner_councils__in=council_ids)
        sent = bids_as_at(
            Application.objects.filter(theirs).distinct(), as_at=as_at, drafts=False
        ).values_list("pk", "lead_council_id")
        leads = dict(sent)
        # Each bid once per council: the councils it partners, not its lead.
        pairs = {(lead, pk) for pk, lead in leads.items() if lead in council_ids}
        partnered = Application.partner_councils.through.objects.filter(
            application_id__in=list(leads), council_id__in=council_ids
        ).values_list("council_id", "application_id")
        pairs.update(partnered)
        found: dict[int, int] = {}
        for council_id, _ in pairs:
            found[council_id] = found.get(council_id, 0) + 1
        return found

    if as_at is not None:
        key = f"councils-count:{as_at}:" + ",".join(str(pk) for pk in sorted(council_ids))
        return dict(_bids_cached(key, counted_then))

    key = "councils-count:" + ",".join(str(pk) for pk in sorted(council_ids))
    return dict(_bids_cached(key, counted))


def council_bids_table(*, council: Council, as_at: date | None = None) -> DataTable:
    """Every bid of the council (as at `as_at`, if given: `council_bids_list`),
    for the CSV download (the page shows a page of them)."""
    bids: Any = council_bids(council=council)
    if as_at is not None:
        bids = map(_bid_then, CouncilBidsAsAt(council, as_at).bids)
    rows: list[list[Cell]] = [
        [
            bid.reference,
            bid.title,
            "" if bid.lead_council_id == council.pk else bid.lead_council.name,
            bid.call.strand.name,
            bid.get_state_display(),
            bid.award_amount,
            bid.award_days,
        ]
        for bid in bids
    ]
    return DataTable(
        caption=_as_at_caption(f"Bids {council.name} leads or is a partner in", as_at),
        columns=["Reference", "Title", "Led by", "Strand", "State", "Award (£)", "Award (days)"],
        rows=rows,
        money_columns=frozenset({5}),
    )


def council_page(*, council: Council, as_at: date | None = None) -> CouncilPage:
    """One council's strands, bids, savings and ROI, now (8 queries) or as at
    a date (`savings.selectors.Figures`)."""
    source = rollups.Figures(as_at=as_at, council=council)
    # Only strands with figures for this council: the rollup rows come with
    # their strand, in display order.
    figures = [
        StrandFigures(row.strand, row) for row in source.by_strand() if row.strand is not None
    ]
    by_year = source.by_year()
    page = CouncilPage(
        council=council,
        rollup=source.total(),
        strands=figures,
        by_year=by_year,
        freshness=freshness(),
        bid_strand_names=council_bid_strand_names(council=council, as_at=as_at),
        as_at=as_at,
    )
    for spec in strands().values():
        if spec.board is not None and spec.board.council_fill is not None:
            fill = spec.board.council_fill
            records = fill(council, as_at=as_at) if as_at else fill(council)
            if records:
                page.records[spec.key] = (spec.board.council_template, records)
    page.tables = {
        "savings_by_year": savings_by_year_table(
            by_year,
            caption=_as_at_caption(
                f"Investment and savings by financial year, {council.name}", as_at
            ),
        ),
        "strands": council_strands_table(figures, council=council, as_at=as_at),
    }
    return page


@dataclass
class PredecessorHistory:
    """One council the page's council replaced, with its own figures (which
    stay under its own name in every total: docs/board.md, "Predecessors")."""

    council: Council
    rollup: Rollup
    bids: int
    returns: ReturnsSummary


@dataclass
class CouncilLineage:
    """The councils a council replaced (with their figures) and the councils
    that replaced it, as the board's council page shows them."""

    successors: list[Council]
    predecessors: list[PredecessorHistory]
    # The council's own figures (the page's headline), for the combined line.
    own: Rollup | None = None
    # The council did not yet exist on the as-at date (created after it).
    not_yet_created: bool = False

    def _sum(self, name: str, *, own: bool) -> Decimal:
        total = sum((getattr(item.rollup, name) for item in self.predecessors), Decimal(0))
        if own and self.own is not None:
            total += getattr(self.own, name)
        return total

    @property
    def combined(self) -> dict[str, Decimal]:
        """The predecessors' figures added up (never into any other total)."""
        return {
            name: self._sum(name, own=False) for name in ("investment", "projected", "realised")
        }

    @property
    def including(self) -> dict[str, Decimal]:
        """The council's own figures and its predecessors', for the page's
        "including predecessors" line only."""
        return {name: self._sum(name, own=True) for name in ("investment", "projected", "realised")}

    @property
    def bids(self) -> int:
        return sum(item.bids for item in self.predecessors)


def council_lineage(
    *, council: Council, as_at: date | None = None, own: Rollup | None = None
) -> CouncilLineage:
    """`council`'s successors and its predecessors' figures as at the date,
    in a fixed number of queries whatever the number of predecessors: the
    register's links (1) and the linked councils (1); then, for all the
    predecessors at once, their totals (one grouped read of every council's,
    `Figures.by_council`, as the councils list reads them), their bid counts
    (1, cached) and their returns (1, `returns_summaries_by_council`). The
    successors are named whatever the date; the page says when the council
    was abolished."""
    later_ids, earlier_ids = council_lineage_ids(council.pk)
    linked = (
        list(Council.objects.filter(pk__in=later_ids | earlier_ids).order_by("name"))
        if later_ids or earlier_ids
        else []
    )
    predecessors = [item for item in linked if item.pk in earlier_ids]
    history = []
    if predecessors:
        ids = [item.pk for item in predecessors]
        totals = {
            row.council_id: row
            for row in rollups.Figures(as_at=as_at).by_council()
            if row.council_id in earlier_ids
        }
        bids = councils_bid_counts(council_ids=ids, as_at=as_at)
        returns = returns_summaries_by_council(council_ids=ids, as_at=as_at)
        history = [
            PredecessorHistory(
                council=earlier,
                # A council with no facts has no row: zeros, never missing.
                rollup=totals.get(earlier.pk) or Rollup(council=earlier),
                bids=bids.get(earlier.pk, 0),
                returns=returns[earlier.pk],
            )
            for earlier in predecessors
        ]
    return CouncilLineage(
        successors=[item for item in linked if item.pk in later_ids],
        predecessors=history,
        own=own,
        not_yet_created=(
            as_at is not None and council.created_on is not None and as_at < council.created_on
        ),
    )


def councils_lineage_names() -> dict[int, tuple[list[Council], list[Council]]]:
    """Per council with any link in the register: (its direct successors,
    its direct predecessors), by name. Two queries (one without any links),
    for the councils list."""
    through = Council.successors.through
    links = list(through.objects.values_list("from_council_id", "to_council_id"))
    ids = {pk for link in links for pk in link}
    named = {item.pk: item for item in Council.objects.filter(pk__in=ids)} if ids else {}
    found: dict[int, tuple[list[Council], list[Council]]] = {}
    for earlier, later in links:
        found.setdefault(earlier, ([], []))[0].append(named[later])
        found.setdefault(later, ([], []))[1].append(named[earlier])
    for successors, predecessors in found.values():
        successors.sort(key=lambda item: item.name)
        predecessors.sort(key=lambda item: item.name)
    return found


def councils_with_figures(*, as_at: date | None = None) -> list[Rollup]:
    """A row per council with any fact (by `as_at`, if given), for the
    councils index (one query now)."""
    return rollups.Figures(as_at=as_at).by_council()


# Bids read per fetch by the open-data downloads: ~2 MB of rows at a time.
GRANT_CHUNK = 500


def _applied_pounds(bid: Application) -> Decimal | None:
    if bid.amount_requested is not None:
        return bid.amount_requested
    if bid.days_requested is not None and bid.call.day_rate is not None:
        return bid.days_requested * bid.call.day_rate
    return None


def _awarded_bids() -> QuerySet[Application]:
    return Application.objects.filter(state=ApplicationState.APPROVED, decided_at__isnull=False)


def grant_count() -> int:
    """How many awards the open data holds (one COUNT query)."""
    return _awarded_bids().count()


def grant_locations_max() -> int:
    """The most councils one award serves (its shares, or its lead and
    partners): the open-data CSV's groups of location columns (one query)."""
    most = (
        _awarded_bids()
        .order_by()
        .annotate(shares_n=Count("shares", distinct=True))
        .annotate(partners_n=Count("partner_councils", distinct=True))
        .aggregate(shares=Max("shares_n"), partners=Max("partners_n"))
    )
    return max(most["shares"] or 0, (most["partners"] or 0) + 1, 1)


def _grant_beneficiaries(bid: Application) -> tuple[Beneficiary, ...]:
    """The councils an award serves, the lead first, each with its share
    (from the prefetched shares; an award without shares: its lead and partners)."""
    lead = bid.lead_council_id
    shares = sorted(bid.shares.all(), key=lambda share: (share.council_id != lead, share.pk))
    if shares:
        return tuple(
            Beneficiary(
                name=share.council.name,
                gss_code=share.council.gss_code,
                lead=share.council_id == lead,
                share=share.amount,
            )
            for share in shares
        )
    partners = sorted(bid.partner_councils.all(), key=lambda council: council.name)
    return tuple(
        Beneficiary(name=council.name, gss_code=council.gss_code, lead=council.pk == lead)
        for council in [bid.lead_council, *(c for c in partners if c.pk != lead)]
    )


def _planned_end(bid: Application, award_date: date) -> date | None:
    """The end of the round's support window, else of the award's years of
    reporting (docs/open-data.md, "Where the money went")."""
    call = bid.call
    if call.support_until is not None:
        return call.support_until
    if call.return_years:
        try:
            ends = award_date.replace(year=award_date.year + call.return_years)
        except ValueError:  # 29 February
            ends = award_date.replace(year=award_date.year + call.return_years, day=28)
        return ends - timedelta(days=1)
    return None


def grant_records(*, chunk_size: int = GRANT_CHUNK) -> Iterator[GrantRecord]:
    """Approved awards as open-data grants, oldest award first (one query,
    and two for each chunk: its shares and partners), read `chunk_size` rows
    at a time (a server-side cursor on PostgreSQL), so the open-data
    downloads hold one chunk of bids, not all of them."""
    bids = (
        _awarded_bids()
        .annotate(
            # Paid on the award's claims (None: no commitment, money not followed).
            committed=F("commitment__amount"),
            disbursed=Sum(
                "commitment__claims__amount", filter=Q(commitment__claims__state=ClaimState.PAID)
            ),
        )
        .select_related("call__strand", "lead_council")
        .prefetch_related("shares__council", "partner_councils")
        .order_by("decided_at", "pk")
        .iterator(chunk_size=chunk_size)
    )
    for bid in bids:
        award_date = timezone.localdate(bid.decided_at)
        yield GrantRecord(
            reference=bid.reference,
            title=bid.title or f"{bid.call.strand.name} award {bid.reference}",
            description=bid.summary,
            amount_awarded=bid.award_value or Decimal(0),
            amount_applied_for=_applied_pounds(bid),
            award_date=award_date,
            recipient_name=bid.lead_council.name,
            recipient_register_code=bid.lead_council.register_code,
            recipient_gss_code=bid.lead_council.gss_code,
            programme_code=bid.call.strand.key,
            programme_title=bid.call.strand.name,
            modified=bid.updated_at,
            planned_start=bid.call.support_from,
            planned_end=_planned_end(bid, award_date),
            beneficiaries=_grant_beneficiaries(bid),
            amount_disbursed=None
            if bid.committed is None
            else (bid.disbursed or Decimal(0)).quantize(Decimal("0.01")),
        )


def calls_open_on(*, day: date) -> list[Call]:
    """The rounds open for bids on a day, by closing date (one query)."""
    return list(
        Call.objects.filter(opens_at__date__lte=day, closes_at__date__gte=day)
        .select_related("strand")
        .order_by("closes_at", "pk")
    )


def published_papers() -> QuerySet[BoardPaper]:
    """The board's published papers, latest meeting first (one query; the
    snapshot, the biggest column, is left for the paper's own page)."""
    return (
        BoardPaper.objects.filter(state=PaperState.PUBLISHED)
        .defer("snapshot")
        .order_by("-meeting_date", "-pk")
    )


def paper_previous(*, paper: BoardPaper) -> BoardPaper | None:
    """The last paper published before this one's meeting: "since the last paper"
    compares against its snapshot (one query)."""
    earlier = BoardPaper.objects.filter(
        state=PaperState.PUBLISHED, meeting_date__lt=paper.meeting_date
    ).exclude(pk=paper.pk)
    return earlier.order_by("-meeting_date", "-pk").first()


def paper_get(*, pk: int, drafts: bool) -> BoardPaper | None:
    """A paper by id: published ones for the board, drafts too for officers."""
    papers = BoardPaper.objects.all()
    if not drafts:
        papers = papers.filter(state=PaperState.PUBLISHED)
    return papers.filter(pk=pk).first()


def draft_papers() -> QuerySet[BoardPaper]:
    """Papers being drafted, next meeting first (one query)."""
    return BoardPaper.objects.filter(state=PaperState.DRAFT).order_by("meeting_date", "pk")
