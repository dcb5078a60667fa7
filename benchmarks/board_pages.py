"""Board pages at the savings benchmark's scale: server time and queries per page.

Builds the same synthetic data set as `benchmarks/rollups.py` (400 councils,
5 strands, 10 financial years, 1,000,000 savings entries, rollups recomputed)
in its own database, then renders each board page through Django's test
client as a signed-in board member and reports the median and worst server
time over --repeat renders, and the number of queries each page makes.

Target: every dashboard under 100 ms of server time, with a query
count that does not depend on the data size (the suite asserts that; this
shows the time). Usage (see README "Board dashboards"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench \
    .venv/bin/python benchmarks/board_pages.py [--entries 1000000] [--repeat 20]

With --council-bids N (500 by default; 0 skips it) it also gives one council
N bids in every sent state (a few drafts too; one in ten with a partner
council) and measures that council's lists (the target: "each page at most
50 ms at 500 bids"): the applicant's /bids/ and the board's council page,
first and last page, with their size in KB. On a branch without pagination
the "last page" URLs are the whole list, like the first.

With --bids N it builds instead what `benchmarks/pages.py` builds (the demo,
400 more councils, N bids in every state with scores, events, documents and
partner councils, and --entries savings entries), and also measures the
officer's preview of the demo's draft paper (recomputed on every view):
the board pages at 1,000 / 10,000 / 100,000 bids (issue 26). E.g.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_board \
    .venv/bin/python benchmarks/board_pages.py --bids 100000 --repeat 10

With --as-at 2015-07-09 it measures the overview, the strand pages and the
council page as at that date too (docs/board.md, "As at a date"; target
300 ms): the first render of each with an empty cache ("cold": the month
rollups and the date's own month of facts read and summed, the bid counts
counted again), --repeat times (the cache emptied before each), with its
queries and the time spent in them (--slowest N lists the N slowest of the
last), then the median of --repeat warm renders.

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--entries", type=int, default=1_000_000)
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--keep", action="store_true", help="reuse the data already built")
parser.add_argument("--council-bids", type=int, default=500, help="bids of the measured council")
parser.add_argument("--bids", type=int, default=0, help="build pages.py's data with N bids")
parser.add_argument("--as-at", default="", help="also measure the pages as at this date")
parser.add_argument("--slowest", type=int, default=0, help="with --as-at: N slowest cold queries")
# benchmarks/pages.py imports this module for its client and measurement:
# then the defaults apply and it sets OPTIONS.repeat itself.
OPTIONS = parser.parse_args(None if __name__ == "__main__" else [])

import os  # noqa: E402

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

from benchmarks import rollups as scale  # noqa: E402  (sets up Django on the bench database)

scale.ARGS.entries = OPTIONS.entries

from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from applications.models import Application, ApplicationState, Call  # noqa: E402
from programmes.board.models import BoardPaper, PaperState  # noqa: E402
from programmes.board.services import paper_create, paper_publish  # noqa: E402
from programmes.models import Council, Strand, User  # noqa: E402
from programmes.permissions import SYSTEM  # noqa: E402
from programmes.roles import APPLICANT, BOARD_MEMBER, groups_sync  # noqa: E402
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


try:
    from programmes.pagination import PER_PAGE
except ImportError:  # a tree from before pagination, for the "before" figures
    PER_PAGE = 25

SENT_STATES = [state for state in ApplicationState if state != ApplicationState.DRAFT]


def measured_council() -> Council:
    return Council.objects.order_by("pk")[len(Council.objects.all()) // 2]


def add_council_bids(council: Council, count: int) -> None:
    """`count` bids led by `council`, newest last, over the bid strands' calls:
    rows only (the lists read no answers or events), states in turn."""
    now = timezone.now()
    calls = [
        Call.objects.create(
            strand=strand,
            title=f"{strand.name} benchmark round",
            opens_at=now - timedelta(days=400),
            closes_at=now + timedelta(days=30),
            max_amount=Decimal("50000"),
        )
        for strand in Strand.objects.filter(key__in=["experts", "ope", "growth"]).order_by("pk")
    ]
    partner = Council.objects.exclude(pk=council.pk).order_by("pk").first()
    bids = []
    for n in range(count):
        # One draft per call (a database constraint); the rest sent, in every state.
        state = ApplicationState.DRAFT if n < len(calls) else SENT_STATES[n % len(SENT_STATES)]
        approved = state == ApplicationState.APPROVED
        bids.append(
            Application(
                call=calls[n % len(calls)],
                lead_council=council,
                reference=f"BEN-2013-{n + 1:05d}",
                title=f"Shared services review, phase {n + 1}: back office and contracts",
                summary="A benchmark bid. " * 20,
                amount_requested=Decimal("8000"),
                state=state,
                award_amount=Decimal("7500") if approved else None,
                submitted_at=None if state == ApplicationState.DRAFT else now,
                decided_at=now if approved else None,
            )
        )
    made = Application.objects.bulk_create(bids)
    Application.partner_councils.through.objects.bulk_create(
        Application.partner_councils.through(application_id=bid.pk, council_id=partner.pk)
        for bid in made[::10]
    )
    scale.say(f"Gave {council.name} {count} bids")


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


def signed_in(username: str, role: str, *, council: Council | None = None) -> Client:
    """A client signed in as a user of the role, with both factors where the
    role needs them (a confirmed device in the session, as after sign-in)."""
    groups_sync()
    user, _ = User.objects.get_or_create(username=username, defaults={"council": council})
    user.groups.add(Group.objects.get(name=role))
    return signed_in_client(user)


def board_client() -> Client:
    return signed_in("bench-board", BOARD_MEMBER)


def measure(
    client: Client, url: str, repeat: int | None = None
) -> tuple[float, float, float, int, int]:
    """Median and worst server time (ms), the median CPU time of this process
    (ms: Django's own work, without PostgreSQL's and without waiting for a core,
    so steadier on a shared machine), queries and the page's size in bytes."""
    body(client.get(url))  # warm caches (templates, the database's pages)
    times, cpu = [], []
    size = 0
    for _ in range(repeat or OPTIONS.repeat):
        reset_queries()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        size = len(body(response))  # a streamed page is written as it is read
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        body(client.get(url))
    return (
        statistics.median(times),
        max(times),
        statistics.median(cpu),
        len(queries),
        size,
    )


def body(response) -> bytes:
    """The whole response, read from the stream for a streamed one (open data)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def report(client: Client, pages: dict[str, str]) -> None:
    for name, url in pages.items():
        median, worst, cpu, queries, size = measure(client, url)
        scale.say(
            f"  {name:<26} median {median:6.1f} ms   max {worst:6.1f} ms   "
            f"cpu {cpu:6.1f} ms   {queries:3d} queries   {size / 1024:6.1f} KB"
        )


def as_at_pages(client: Client, pages: dict[str, str]) -> None:
    """The pages as at --as-at: cold (the cache emptied first: every cached
    figure computed again) with its queries and the slowest of them, then warm."""
    if not OPTIONS.as_at:
        return
    from django.core.cache import cache

    scale.say(f"\nAs at {OPTIONS.as_at}: first render with an empty cache, then warm")
    dated = {name: f"{url}?as_at={OPTIONS.as_at}" for name, url in pages.items()}
    for name, url in dated.items():
        times, cpu, in_database = [], [], []
        slowest: list[dict] = []
        for _ in range(OPTIONS.repeat):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            in_database.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        scale.say(
            f"  {name:<26} cold   median {statistics.median(times):6.1f} ms   "
            f"max {max(times):6.1f} ms   cpu {statistics.median(cpu):6.1f} ms   "
            f"{len(queries):3d} queries ({statistics.median(in_database):6.1f} ms in them)   "
            f"load {os.getloadavg()[0]:.2f}"
        )
        for query in slowest[: OPTIONS.slowest]:
            scale.say(f"      {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    report(client, dated)


def council_lists(council: Council) -> None:
    """The council's own lists, first and last page."""
    led = Application.objects.filter(lead_council=council)
    last = max(1, -(-led.count() // PER_PAGE))
    sent = led.exclude(state=ApplicationState.DRAFT).count()
    board_last = max(1, -(-sent // PER_PAGE))
    scale.say(f"\nThe lists of a council with {led.count()} bids ({PER_PAGE} a page)")
    applicant = signed_in("bench-applicant", APPLICANT, council=council)
    bids = reverse("applications:bid_list")
    report(applicant, {"/bids/ page 1": bids, f"/bids/ page {last}": f"{bids}?page={last}"})
    board = reverse("board:council", args=[council.pk])
    report(
        board_client(),
        {
            "board council page 1": board,
            f"board council page {board_last}": f"{board}?page={board_last}",
        },
    )


def _dated(name: str) -> bool:
    """The pages measured as at a date: the overview, strands, a council."""
    return name == "overview" or name.startswith(("strand ", "council page"))


def published_paper() -> BoardPaper:
    """A paper published from the data as built (its snapshot is what the
    page reads); made once, reused with --keep."""
    found = BoardPaper.objects.filter(state=PaperState.PUBLISHED).first()
    if found is not None:
        return found
    draft = paper_create(actor=SYSTEM, meeting_date=date(2013, 7, 17), contact_name="Bench Example")
    return paper_publish(paper=draft, actor=SYSTEM)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The measurement runs on PostgreSQL: set BENCH_DATABASE_URL")
    if OPTIONS.bids:
        at_scale()
        return
    if not OPTIONS.keep:
        build()
        if OPTIONS.council_bids:
            add_council_bids(measured_council(), OPTIONS.council_bids)
    client = board_client()
    council = measured_council()
    pages = {
        "overview": reverse("board:overview"),
        **{
            f"strand {key}": reverse("board:strand", args=[key])
            for key in ("ope", "experts", "asce", "growth", "procurement")
        },
        "council page": reverse("board:council", args=[council.pk]),
        "councils list (400)": reverse("board:councils"),
        "board papers": reverse("board:papers"),
        "published paper": reverse("board:paper", args=[published_paper().pk]),
    }
    scale.say(f"\nServer time per page over {OPTIONS.repeat} renders ({OPTIONS.entries:,} entries)")
    report(client, pages)
    as_at_pages(client, {name: url for name, url in pages.items() if _dated(name)})
    if OPTIONS.council_bids:
        council_lists(council)


def at_scale() -> None:
    """pages.py's data set with --bids bids: every board page, the draft
    paper's preview as an officer, with the load average around the run."""
    from benchmarks import pages as scale_pages

    if not OPTIONS.keep:
        logging.disable(logging.CRITICAL)  # the drains that find no broker
        scale_pages.build_first(OPTIONS.bids, OPTIONS.entries)
        logging.disable(logging.NOTSET)
    bids = Application.objects.count()
    by_role = scale_pages.clients()
    council = Council.objects.get(short_name="Allerdale")
    draft = BoardPaper.objects.filter(state=PaperState.DRAFT).order_by("pk").first()
    pages = {
        "overview": reverse("board:overview"),
        **{
            f"strand {key}": reverse("board:strand", args=[key])
            for key in ("ope", "experts", "asce", "growth", "procurement")
        },
        "council page (Allerdale)": reverse("board:council", args=[council.pk]),
        "councils list": reverse("board:councils"),
        "board papers": reverse("board:papers"),
        "published paper": reverse("board:paper", args=[published_paper().pk]),
    }
    load = os.getloadavg()
    scale.say(
        f"\nServer time per page over {OPTIONS.repeat} renders ({bids:,} bids, "
        f"{OPTIONS.entries:,} entries); load average {load[0]:.2f} {load[1]:.2f}"
    )
    report(by_role["board"], pages)
    as_at_pages(by_role["board"], {name: url for name, url in pages.items() if _dated(name)})
    if draft is not None:
        report(
            by_role["officer"], {"draft paper (officer)": reverse("board:paper", args=[draft.pk])}
        )
    load = os.getloadavg()
    scale.say(f"Load average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    # Pages render without collectstatic having run: plain static storage,
    # whose URLs cost the same as the manifest's lookups.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
