"""The big admin lists at scale: server time and queries per page.

Builds, with `benchmarks/rollups.py`'s builder, 400 councils, 5 strands,
10 financial years, 1,000,000 savings entries and 1,000,000 investments in a
database of its own, then renders the savings entries and investments admin
lists through Django's test client as a signed-in officer: first, middle and
last page, filtered by one year (first and last page), searched and sorted by
another column. For each it
reports the median and worst server time over --repeat renders, Django's
median CPU time (which a busy machine disturbs less), the number of queries
of one render, their total time and the slowest query's time.

Target: first and last page, and filtered by year, at most 200 ms
each at 1,000,000 rows. Usage (see README "Savings, rollups and the benchmark"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_admin \
    .venv/bin/python benchmarks/admin_lists.py [--entries 1000000] [--repeat 10] [--keep]

With --bids N it builds instead what `benchmarks/pages.py` builds (the demo,
400 more councils, N bids with partner councils and awards, --entries
savings entries and an investment per scope) and measures, besides, the
searches of issue 26 for a common term: the savings and investment lists
searched for "Benchmark" (every benchmark council's name) and "BENCH-2026"
(every benchmark bid's reference, so every award's investment),
and the officers' bid list searched for words of the answers (one bid in
five has them). `board_pages.py --bids N` builds the same data, so
`--keep` can measure on its database. E.g.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_board \
    .venv/bin/python benchmarks/admin_lists.py --bids 100000 --keep --repeat 5

It drops and recreates every table in that database (unless --keep): never
point it at real data.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--entries", type=int, default=1_000_000)
parser.add_argument("--investments", type=int, default=1_000_000)
parser.add_argument("--repeat", type=int, default=10)
parser.add_argument("--keep", action="store_true", help="reuse the data already built")
parser.add_argument(
    "--only", choices=["savingsentry", "investment", "application"], help="one list only"
)
parser.add_argument("--bids", type=int, default=0, help="build pages.py's data with N bids")
OPTIONS = parser.parse_args()

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

from benchmarks import rollups as scale  # noqa: E402  (sets up Django on the bench database)

scale.ARGS.entries = OPTIONS.entries

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from programmes.models import User  # noqa: E402
from programmes.roles import OFFICER, groups_sync  # noqa: E402

YEAR = "2013/14"
SEARCH = "Council 123"  # one council's facts: 1 in 400
# With --bids: a word in every benchmark council's name and in every
# benchmark bid's title; and words one bid in five has in its answers.
COMMON = "Benchmark"
BID_WORDS = "contracts renegotiated"
REFERENCES = "BENCH-2026"  # every benchmark bid's reference: its award's investment


def build() -> None:
    if OPTIONS.bids:
        import logging

        from benchmarks import pages as scale_pages

        logging.disable(logging.CRITICAL)  # the drains that find no broker
        scale_pages.build_first(OPTIONS.bids, OPTIONS.entries)
        logging.disable(logging.NOTSET)
        vacuum_analyze()
        return
    scale.reset_database()
    scale.build_dimensions()
    start = time.perf_counter()
    scale.add_investments(count=OPTIONS.investments)
    scale.say(f"Built {OPTIONS.investments:,} investments in {time.perf_counter() - start:.1f}s")
    start = time.perf_counter()
    scale.add_entries(1, OPTIONS.entries)
    scale.say(f"Built {OPTIONS.entries:,} entries in {time.perf_counter() - start:.1f}s")
    vacuum_analyze()


def vacuum_analyze() -> None:
    """What autovacuum does after a bulk load: index-only scans need the
    visibility map, and a trigram (GIN) index's pending list of new rows,
    which every search reads in full until a vacuum moves it into the index
    (100,000 entries cost 28 ms a search), is emptied."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE savings_savingsentry")
        cursor.execute("VACUUM ANALYZE savings_investment")
        if OPTIONS.bids:
            cursor.execute("VACUUM ANALYZE applications_application")


def officer_client() -> Client:
    """An officer signed in with both factors, as tests/conftest.py does."""
    groups_sync()
    user, _ = User.objects.get_or_create(username="bench-officer", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=OFFICER))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Bench app", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(client: Client, url: str) -> dict[str, float]:
    """Median and worst wall time of --repeat renders, Django's median CPU
    time (process time: this process is the server, PostgreSQL's own work is
    not in it), and of one render the queries, their total and the slowest."""
    client.get(url)  # warm caches (templates, the database's pages)
    times, cpu = [], []
    for _ in range(OPTIONS.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    spent = [float(query["time"]) * 1000 for query in queries.captured_queries]
    return {
        "median": statistics.median(times),
        "max": max(times),
        "cpu": statistics.median(cpu),
        "queries": len(spent),
        "sql": sum(spent),
        "slowest": max(spent),
    }


def last_page(client: Client, url: str, params: dict[str, str], part: float = 1) -> str:
    """The list's own link to its last page (the highest page number it
    links to), or to the page `part` of the way there."""
    response = client.get(f"{url}?{urlencode(params)}" if params else url)
    numbers = re.findall(r"[?&;]p=(\d+)", response.content.decode())
    number = max(1, round(max(map(int, numbers), default=1) * part))
    return f"{url}?{urlencode({**params, 'p': number})}"


def pages(client: Client, model: str) -> dict[str, str]:
    if model == "application":
        url = reverse("admin:applications_application_changelist")
        return {
            "first page": url,
            f"searched {BID_WORDS!r}": f"{url}?{urlencode({'q': BID_WORDS})}",
            f"searched {BID_WORDS!r}, last page": last_page(client, url, {"q": BID_WORDS}),
            f"searched {COMMON!r}": f"{url}?{urlencode({'q': COMMON})}",
        }
    url = reverse(f"admin:savings_{model}_changelist")
    year = {"financial_year": YEAR}
    if OPTIONS.bids:
        return {
            "first page": url,
            f"searched {SEARCH!r}": f"{url}?{urlencode({'q': SEARCH})}",
            f"searched {COMMON!r}": f"{url}?{urlencode({'q': COMMON})}",
            f"searched {COMMON!r}, last page": last_page(client, url, {"q": COMMON}),
            f"searched {REFERENCES!r}": f"{url}?{urlencode({'q': REFERENCES})}",
        }
    return {
        "first page": url,
        "last page": last_page(client, url, {}),
        "middle page": last_page(client, url, {}, part=0.5),
        f"year {YEAR}, first page": f"{url}?{urlencode(year)}",
        f"year {YEAR}, last page": last_page(client, url, year),
        f"searched {SEARCH!r}": f"{url}?{urlencode({'q': SEARCH})}",
        "sorted by its 2nd column": f"{url}?o=-2",
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The measurement runs on PostgreSQL: set BENCH_DATABASE_URL")
    if not OPTIONS.keep:
        build()
    client = officer_client()
    scale.say(f"Load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for model in ("savingsentry", "investment", "application"):
        if OPTIONS.only and model != OPTIONS.only:
            continue
        if model == "application" and not OPTIONS.bids:
            continue
        table = "applications_application" if model == "application" else f"savings_{model}"
        rows = scale.connection.cursor()
        rows.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        scale.say(f"\n{model} admin ({rows.fetchone()[0]:,} rows), {OPTIONS.repeat} renders each")
        for name, url in pages(client, model).items():
            m = measure(client, url)
            scale.say(
                f"  {name:<34} median {m['median']:7.1f} ms   max {m['max']:7.1f} ms   "
                f"CPU {m['cpu']:6.1f} ms   {m['queries']:2.0f} queries "
                f"(SQL {m['sql']:6.1f} ms, slowest {m['slowest']:6.1f} ms)"
            )
    scale.say(f"Load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    # Pages render without collectstatic having run: plain static storage,
    # whose URLs cost the same as the manifest's lookups.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
