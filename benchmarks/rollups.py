"""Rollup benchmark on PostgreSQL: full recompute, one-scope recompute, latency, bursts.

Builds synthetic data at scale (400 councils, 5 strands, 10 financial years,
up to 1,000,000 savings entries) in its own database and reports, in one run:

1. a full recompute against a bare SQL GROUP BY over the same table
   (target: at most 1.5 times as long), as the nightly run finds the rollups
   (already current: nothing to write) and with every row to write (the
   rollups emptied first), with the machine's load average;
2. the recompute of one scope after one change, at 100,000 and 1,000,000
   entries (target: at most 20 ms at both sizes);
3. change-to-visible latency through a real Celery worker over 100 single
   changes (target: 95th percentile at most 1 s);
4. recomputes per change for a burst of 1,000 changes (target: at most 0.05).

With --month-rows it builds nothing and resets nothing: on the data already
in that database (e.g. benchmarks/board_pages.py's) it times the full
recompute's month rows (`months_recompute(cursor, None)`, the rollups by
month of effective date), in a transaction under the rollup lock as the
nightly run does: as the nightly run finds them (current: only rows that
differ are written) and after they were lost (every row written), the
median of --repeat runs each, then VACUUM FULL ANALYZE the table so that
the pages measured next read it as freshly built.

Usage (see README "Savings, rollups and the benchmark"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench \
    .venv/bin/python benchmarks/rollups.py [--entries 1000000] [--redis-port 6392]

It drops and recreates every table in that database: never point it at real data.
A private redis-server is started on --redis-port for the worker and stopped after.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--latency-changes", type=int, default=100)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument(
        "--month-rows",
        action="store_true",
        help="only time the full recompute of the month rows, on the data already built",
    )
    parser.add_argument("--repeat", type=int, default=3, help="with --month-rows: runs timed")
    return parser.parse_args(argv)


# benchmarks/board_pages.py imports this module to build the same data set:
# then the defaults apply and it sets ARGS.entries itself.
ARGS = parse(None if __name__ == "__main__" else [])
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/productivity_bench"
)
REDIS_URL = f"redis://127.0.0.1:{ARGS.redis_port}/0"
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "DJANGO_SECRET_KEY": os.environ.get(
        "DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789"
    ),
    "DJANGO_HTTPS": "false",
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "productivity.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from programmes.models import Council, CouncilKind, Region, Strand  # noqa: E402
from programmes.permissions import SYSTEM  # noqa: E402
from programmes.services import strands_sync  # noqa: E402
from savings import rollups  # noqa: E402
from savings.models import OutboxMarker, RollupRun, SavingsKind  # noqa: E402
from savings.selectors import rollup_for  # noqa: E402
from savings.services import savings_entry_record  # noqa: E402

D = Decimal


def say(text: str) -> None:
    print(text, flush=True)


def timed(fn, repeat: int = 3, before=None) -> float:
    """Median wall-clock seconds of `repeat` runs (`before` runs untimed before each)."""
    runs = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def reset_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def build_dimensions() -> None:
    strands_sync()
    Council.objects.bulk_create(
        Council(
            name=f"Benchmark District Council {n}",
            short_name=f"Benchmark {n}",
            gss_code=f"E07{900000 + n:06d}",
            kind=CouncilKind.DISTRICT,
            region=Region.NORTH_WEST,
        )
        for n in range(ARGS.councils)
    )


SCOPES_SQL = """
    WITH s AS (SELECT array_agg(id ORDER BY id) AS ids FROM programmes_strand),
         c AS (SELECT array_agg(id ORDER BY id) AS ids FROM programmes_council)
"""


def add_entries(first: int, last: int) -> None:
    """Entries first..last, spread evenly over every (strand, council, year) scope."""
    scopes = 5 * ARGS.councils
    with connection.cursor() as cursor:
        cursor.execute(
            SCOPES_SQL  # noqa: S608 - constant SQL, values are parameters
            + """
            INSERT INTO savings_savingsentry (strand_id, council_id, financial_year, kind,
                recurrence, amount, evidence, document, verified_at, created_at, withheld,
                reported_on)
            SELECT s.ids[1 + g %% 5],
                   c.ids[1 + (g / 5) %% %(councils)s],
                   (2010 + (g / %(scopes)s) %% %(years)s)::text || '/' ||
                       lpad(((2011 + (g / %(scopes)s) %% %(years)s) %% 100)::text, 2, '0'),
                   (ARRAY['projected', 'target', 'realised'])[1 + g %% 3],
                   'one_off', (g %% 100000) / 100.0 + 100, '', '',
                   -- Verified 30 days after it was reported (the board's
                   -- figures as at a date: docs/board.md).
                   CASE WHEN g %% 6 = 2 THEN
                       make_date(2010 + (g / %(scopes)s) %% %(years)s, 4, 1) + (g %% 365) + 30
                   END,
                   now(), '',
                   -- Reported on a day of its financial year.
                   make_date(2010 + (g / %(scopes)s) %% %(years)s, 4, 1) + (g %% 365)
            FROM generate_series(%(first)s, %(last)s) AS g, s, c
            """,
            {
                "councils": ARGS.councils,
                "scopes": scopes,
                "years": ARGS.years,
                "first": first,
                "last": last,
            },
        )
        cursor.execute("ANALYZE savings_savingsentry")


def add_investments(count: int | None = None) -> None:
    """One investment per scope by default; `count` spreads more (or fewer)
    evenly over the scopes, as add_entries does (benchmarks/admin_lists.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            SCOPES_SQL  # noqa: S608 - constant SQL, values are parameters
            + """
            INSERT INTO savings_investment (strand_id, council_id, financial_year, source,
                amount, description, created_at, awarded_on)
            SELECT s.ids[1 + g %% 5], c.ids[1 + (g / 5) %% %(councils)s],
                   (2010 + (g / %(scopes)s) %% %(years)s)::text || '/' ||
                       lpad(((2011 + (g / %(scopes)s) %% %(years)s) %% 100)::text, 2, '0'),
                   'lga_grant', 5000 + g %% 1000, '', now(),
                   make_date(2010 + (g / %(scopes)s) %% %(years)s, 4, 1) + (g %% 365)
            FROM generate_series(0, %(count)s - 1) AS g, s, c
            """,
            {
                "councils": ARGS.councils,
                "scopes": 5 * ARGS.councils,
                "years": ARGS.years,
                "count": count if count is not None else 5 * ARGS.councils * ARGS.years,
            },
        )
        cursor.execute("ANALYZE savings_investment")


def bare_group_by() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT strand_id, council_id, financial_year, kind, SUM(amount), COUNT(*)"
            " FROM savings_savingsentry GROUP BY strand_id, council_id, financial_year, kind"
        )
        cursor.fetchall()


def rollups_lost() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM savings_rollup")


def one_change() -> tuple[Strand, Council, str]:
    strand = Strand.objects.get(key="experts")
    council = Council.objects.order_by("pk")[ARGS.councils // 2]
    return strand, council, "2013/14"


def one_scope_recompute(samples: int = 20) -> tuple[float, float]:
    """Median and worst ms of: one change, then the drain that recomputes its scope."""
    strand, council, year = one_change()
    times = []
    for _ in range(samples):
        savings_entry_record(actor=SYSTEM,
            strand=strand, council=council, financial_year=year,
            kind=SavingsKind.PROJECTED, amount=D("1"),
        )  # fmt: skip
        start = time.perf_counter()
        rollups.drain()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.005)
    return False


def with_worker(fn):
    redis = subprocess.Popen(  # noqa: S603 - fixed arguments
        [shutil.which("redis-server"), "--port", str(ARGS.redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_until(lambda: port_open(ARGS.redis_port), 10)
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "productivity", "worker", "--loglevel=WARNING",
         "--concurrency=1", "--queues=productivity", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env={**os.environ, **ENV},
    )  # fmt: skip
    try:
        time.sleep(4)  # the worker connects and starts consuming
        return fn()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.terminate()
        redis.wait(timeout=10)


def latency_and_burst() -> tuple[list[float], int, int]:
    strand, council, year = one_change()
    latencies = []
    for _ in range(ARGS.latency_changes):
        before = rollup_for(strand=strand, council=council, financial_year=year).savings_count
        savings_entry_record(actor=SYSTEM,
            strand=strand, council=council, financial_year=year,
            kind=SavingsKind.PROJECTED, amount=D("1"),
        )  # fmt: skip
        start = time.perf_counter()  # committed: on_commit has queued the drain
        seen = wait_until(
            lambda before=before: (
                rollup_for(strand=strand, council=council, financial_year=year).savings_count
                > before
            ),
            30,
        )
        latencies.append(time.perf_counter() - start if seen else float("inf"))
    runs_before = RollupRun.objects.filter(trigger=RollupRun.Trigger.DRAIN).count()
    councils = list(Council.objects.order_by("pk")[:50])
    for number in range(ARGS.burst):
        savings_entry_record(actor=SYSTEM,
            strand=strand, council=councils[number % len(councils)], financial_year=year,
            kind=SavingsKind.PROJECTED, amount=D("1"),
        )  # fmt: skip
    wait_until(lambda: not OutboxMarker.objects.exists(), 120)
    runs = RollupRun.objects.filter(trigger=RollupRun.Trigger.DRAIN).count() - runs_before
    return latencies, runs, ARGS.burst


def month_rows_recompute() -> int | None:
    """The full recompute's month rows, as the nightly run writes them."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        rollups._lock(cursor)
        return rollups.months_recompute(cursor, None)


def month_rows_lost() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM savings_rollupmonth")


def month_rows() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM savings_rollupmonth")
        rows = cursor.fetchone()[0]
    say(f"Database: {connection.settings_dict['NAME']}; {rows:,} month rows")
    load = "{:.2f}, {:.2f}".format(*os.getloadavg()[:2])
    current = timed(month_rows_recompute, repeat=ARGS.repeat)
    written = month_rows_recompute()
    lost = timed(month_rows_recompute, repeat=ARGS.repeat, before=month_rows_lost)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL ANALYZE savings_rollupmonth")
    # Before the difference was written, every row was (the function returned None).
    written_rows = "every row" if written is None else f"{written:,} rows"
    say(f"  month rows, as the nightly run finds them {current * 1000:.0f} ms")
    say(f"    ({written_rows} written)")
    say(f"  month rows, after they were lost          {lost * 1000:.0f} ms")
    say("  load average (1, 5 min) before, after     {}; {:.2f}, {:.2f}".format(
        load, *os.getloadavg()[:2]))  # fmt: skip


def main() -> None:
    if ARGS.month_rows:
        month_rows()
        return
    # Before the worker phase no broker listens, so each change's drain request
    # fails after commit (as designed, logged by Django); keep the output readable.
    quiet = logging.getLogger("django.db.backends.base")
    quiet.setLevel(logging.CRITICAL)
    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set BENCH_DATABASE_URL")
    say(f"Database: {connection.settings_dict['NAME']}; resetting it")
    reset_database()
    build_dimensions()
    add_investments()
    results: dict[str, str] = {}
    small = min(100_000, ARGS.entries)
    start = time.perf_counter()
    add_entries(1, small)
    say(f"Built {small:,} entries in {time.perf_counter() - start:.1f}s")
    rollups.recompute_all()
    median_ms, worst_ms = one_scope_recompute()
    results[f"one-scope recompute at {small:,}"] = (
        f"median {median_ms:.1f} ms, max {worst_ms:.1f} ms"
    )
    if ARGS.entries > small:
        start = time.perf_counter()
        add_entries(small + 1, ARGS.entries)
        say(f"Built {ARGS.entries:,} entries in {time.perf_counter() - start:.1f}s")
    rollups.recompute_all()  # warm the cache before timing
    bare = timed(bare_group_by)
    full = timed(rollups.recompute_all)
    # Every row written: as after the rollups were lost (or the first run).
    rewritten = timed(rollups.recompute_all, before=rollups_lost)
    results["bare GROUP BY"] = f"{bare * 1000:.0f} ms"
    results["full recompute"] = f"{full * 1000:.0f} ms ({full / bare:.2f}x the bare GROUP BY)"
    results["  ... every row written"] = (
        f"{rewritten * 1000:.0f} ms ({rewritten / bare:.2f}x the bare GROUP BY)"
    )
    results["load average (1, 5 min)"] = "{:.2f}, {:.2f}".format(*os.getloadavg()[:2])
    median_ms, worst_ms = one_scope_recompute()
    results[f"one-scope recompute at {ARGS.entries:,}"] = (
        f"median {median_ms:.1f} ms, max {worst_ms:.1f} ms"
    )
    quiet.setLevel(logging.WARNING)
    latencies, runs, changes = with_worker(latency_and_burst)
    results["change-to-visible latency"] = (
        f"p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f}"
        f" ms, max {max(latencies) * 1000:.0f} ms over {len(latencies)} changes"
    )
    results["burst"] = (
        f"{runs} recomputes for {changes:,} changes = {runs / changes:.3f} per change"
    )
    say("")
    say("Results")
    for name, value in results.items():
        say(f"  {name:<34} {value}")


if __name__ == "__main__":
    main()
