"""Board pages at the savings benchmark's scale: server time and queries per page.

Builds the same synthetic data set as `benchmarks/rollups.py` (400 councils,
5 strands, 10 financial years, 1,000,000 savings entries, rollups recomputed)
in its own database, then renders each board page through Django's test
client as a signed-in board member and reports the median and worst server
time over --repeat renders, and the number of queries each page makes.

Target (issue 6): every dashboard under 100 ms of server time, with a query
count that does not depend on the data size (the suite asserts that; this
shows the time). Usage (see README "Board dashboards"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench \
    .venv/bin/python benchmarks/board_pages.py [--entries 1000000] [--repeat 20]

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--entries", type=int, default=1_000_000)
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--keep", action="store_true", help="reuse the data already built")
# benchmarks/pages.py imports this module for its client and measurement:
# then the defaults apply and it sets OPTIONS.repeat itself.
OPTIONS = parser.parse_args(None if __name__ == "__main__" else [])

import os  # noqa: E402

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

from benchmarks import rollups as scale  # noqa: E402  (sets up Django on the bench database)

scale.ARGS.entries = OPTIONS.entries

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from programmes.models import Council, User  # noqa: E402
from programmes.roles import BOARD_MEMBER, groups_sync  # noqa: E402
from programmes.twofactor.policy import two_factors_required  # noqa: E402
from savings import rollups  # noqa: E402


def build() -> None:
    scale.reset_database()
    scale.build_dimensions()
    scale.add_investments()
    start = time.perf_counter()
    scale.add_entries(1, OPTIONS.entries)
    scale.say(f"Built {OPTIONS.entries:,} entries in {time.perf_counter() - start:.1f}s")
    start = time.perf_counter()
    rollups.recompute_all()
    scale.say(f"Recomputed rollups in {time.perf_counter() - start:.1f}s")


def signed_in_client(user: User) -> Client:
    """A client signed in as `user` with both factors, as if password and
    code had been given (officers and board members must give a code)."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and two_factors_required(user):
        device = TOTPDevice.objects.create(user=user, name="Benchmark app", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def board_client() -> Client:
    groups_sync()
    user, _ = User.objects.get_or_create(username="bench-board")
    user.groups.add(Group.objects.get(name=BOARD_MEMBER))
    return signed_in_client(user)


def measure(client: Client, url: str, repeat: int | None = None) -> tuple[float, float, int]:
    """Median and worst ms of `repeat` renders after a warm-up, and the queries of one."""
    client.get(url)  # warm caches (templates, the database's pages)
    times = []
    for _ in range(repeat or OPTIONS.repeat):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), max(times), len(queries)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The measurement runs on PostgreSQL: set BENCH_DATABASE_URL")
    if not OPTIONS.keep:
        build()
    client = board_client()
    council = Council.objects.order_by("pk")[len(Council.objects.all()) // 2]
    pages = {
        "overview": reverse("board:overview"),
        **{
            f"strand {key}": reverse("board:strand", args=[key])
            for key in ("ope", "experts", "asce", "growth", "procurement")
        },
        "council page": reverse("board:council", args=[council.pk]),
        "councils list (400)": reverse("board:councils"),
        "board update": reverse("board:update"),
    }
    scale.say(f"\nServer time per page over {OPTIONS.repeat} renders ({OPTIONS.entries:,} entries)")
    for name, url in pages.items():
        median, worst, queries = measure(client, url)
        scale.say(f"  {name:<22} median {median:6.1f} ms   max {worst:6.1f} ms   {queries} queries")


if __name__ == "__main__":
    # Pages render without collectstatic having run: plain static storage,
    # whose URLs cost the same as the manifest's lookups.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
