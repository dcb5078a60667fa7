"""CPU per request of the load test's most used pages, in-process: the number
to cut (issue 26), without starting gunicorn, Locust or Redis.

On a database that `benchmarks/board_pages.py --bids N` (or `pages.py`) has
built, renders through Django's test client, as the role that uses each,
the pages that made up most of the load test's requests (README, "Load
test"): a council's bids and awards lists and an award, the pages of a
draft bid (task list, a question, check your answers, declaration, start),
the officers' admin lists and a bid's assessment page, the board's
overview. Reports, per page, the median of `time.process_time()` over
--repeat renders (this process's CPU: Django, templates and the database
driver, not PostgreSQL's; steadier than wall time on a shared machine) and
the queries of one render, and the mean weighted by the load mix's counts.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_board \\
    .venv/bin/python benchmarks/cpu_pages.py [--repeat 15] [--cache-url redis://127.0.0.1:6379/9]

With --cache-url the pages read the cache, and so the sessions (`cached_db`),
from that Redis, as a deployment with DJANGO_CACHE_URL does. It adds a
council user and a draft bid's user to the database, nothing else.

It also measures the board's strand (Experts) and council (Allerdale) pages
and the officer's preview of the first draft board paper, outside the mean
(not in the mix). --profile NAME gives a cProfile of one page in CPU time;
--queries NAME the SQL of one render of it, with each query's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--repeat", type=int, default=15)
parser.add_argument("--cache-url", default="", help="a Redis for the cache and sessions")
parser.add_argument("--profile", default="", help="cProfile (CPU time) this page (a name below)")
parser.add_argument("--queries", default="", help="print the SQL of one render of this page")
OPTIONS = parser.parse_args()
if OPTIONS.cache_url:
    os.environ["DJANGO_CACHE_URL"] = OPTIONS.cache_url
sys.argv = sys.argv[:1] + ["--keep"]  # board_pages reads its own options

from benchmarks import board_pages  # noqa: E402  (Django on BENCH_DATABASE_URL)

board_pages.OPTIONS.repeat = OPTIONS.repeat

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from applications.models import Application, ApplicationState, Call  # noqa: E402
from programmes.board.models import BoardPaper, PaperState  # noqa: E402
from programmes.models import Council, User  # noqa: E402
from programmes.roles import APPLICANT  # noqa: E402
from savings.models import Investment  # noqa: E402

# Requests of each page in the load test's knee run (README, 7 December
# 2026): the weights of the mean below.
MIX = {
    "council bids list": 901,
    "council awards list": 897,
    "council award page": 600,
    "bid question": 763,
    "start a bid": 165,
    "bid task list": 161,
    "check your answers": 146,
    "declaration": 145,
    "admin bids": 138,
    "admin bids submitted": 137,
    "admin savings entries": 135,
    "admin investments": 130,
    "assessment page": 100,
    "board overview": 20,
}


def applicant_with_a_draft() -> tuple[User, Application]:
    """A council user of a council with a draft bid on an open call."""
    open_calls = [call.pk for call in Call.objects.all() if call.is_open()]
    draft = (
        Application.objects.filter(
            state=ApplicationState.DRAFT,
            call_id__in=open_calls,
            lead_council__abolished_on__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    assert draft is not None, "no draft on an open call"
    user, _ = User.objects.get_or_create(
        username="bench-cpu-drafter", defaults={"council_id": draft.lead_council_id}
    )
    user.groups.add(Group.objects.get(name=APPLICANT))
    return user, draft


def pages() -> dict[str, tuple[User, str]]:
    applicant = User.objects.get(username="demo-allerdale")
    award = (
        Investment.objects.filter(council_id=applicant.council_id, application__isnull=False)
        .order_by("pk")
        .last()
    )
    drafter, draft = applicant_with_a_draft()
    base = f"/bids/{draft.reference}/"
    officer = User.objects.get(username="demo-officer")
    board = User.objects.get(username="demo-board")
    bid = Application.objects.filter(state=ApplicationState.IN_ASSESSMENT).order_by("pk").last()
    assert bid is not None
    found = {
        "council bids list": (applicant, "/bids/"),
        "council awards list": (applicant, "/savings/"),
        "bid question": (drafter, f"{base}questions/about/"),
        "start a bid": (drafter, f"/bids/calls/{draft.call_id}/start/"),
        "bid task list": (drafter, base),
        "check your answers": (drafter, f"{base}check-your-answers/"),
        "declaration": (drafter, f"{base}declaration/"),
        "admin bids": (officer, "/admin/applications/application/"),
        "admin bids submitted": (
            officer,
            "/admin/applications/application/?state__exact=submitted",
        ),
        "admin savings entries": (officer, "/admin/savings/savingsentry/"),
        "admin investments": (officer, "/admin/savings/investment/"),
        "assessment page": (officer, f"/admin/applications/application/{bid.pk}/change/"),
        "board overview": (board, "/board/"),
    }
    if award is not None:
        found["council award page"] = (applicant, f"/savings/awards/{award.pk}/")
    # The other board pages and the officer's draft paper preview (issue 26's
    # board targets): measured too, but not in the load mix's mean.
    allerdale = Council.objects.get(short_name="Allerdale")
    found["board strand (experts)"] = (board, "/board/strands/experts/")
    found["board council (Allerdale)"] = (board, f"/board/councils/{allerdale.pk}/")
    draft_paper = BoardPaper.objects.filter(state=PaperState.DRAFT).order_by("pk").first()
    if draft_paper is not None:
        found["draft paper preview"] = (officer, f"/board/papers/{draft_paper.pk}/")
    return found


def measure(client, url: str) -> tuple[float, int, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    cpu = []
    for _ in range(OPTIONS.repeat):
        reset_queries()
        start = time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(cpu), len(queries), response.status_code


def main() -> None:
    load = os.getloadavg()
    print(
        f"Database {connection.settings_dict['NAME']}: {Application.objects.count():,} bids;"
        f" sessions {settings.SESSION_ENGINE.rsplit('.', 1)[1]};"
        f" load average {load[0]:.2f} {load[1]:.2f}"
    )
    clients: dict[int, object] = {}
    rows = []
    for name, (user, url) in pages().items():
        client = clients.get(user.pk) or board_pages.signed_in_client(user)
        clients[user.pk] = client
        if OPTIONS.profile and OPTIONS.profile == name:
            import cProfile
            import pstats

            client.get(url)
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(OPTIONS.repeat):
                client.get(url)
            profiler.disable()
            import tempfile

            saved = Path(tempfile.gettempdir()) / "cpu_pages.prof"
            profiler.dump_stats(saved)
            print(f"Profile (CPU time) saved in {saved}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            return
        if OPTIONS.queries:
            if OPTIONS.queries == name:
                client.get(url)
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                for query in queries.captured_queries:
                    print(f"{float(query['time']) * 1000:6.1f} ms  {query['sql'][:300]}")
                print(f"{len(queries)} queries")
                return
            continue
        if OPTIONS.profile:
            continue
        cpu, queries, _ = measure(client, url)
        rows.append((name, cpu, queries))
        print(f"  {name:<24} CPU {cpu:6.1f} ms  {queries:3d} queries  {url}")
    weights = {name: MIX[name] for name, _, _ in rows if name in MIX}
    mean = sum(cpu * weights.get(name, 0) for name, cpu, _ in rows) / sum(weights.values())
    print(f"Mean CPU weighted by the load mix's counts (pages only): {mean:.1f} ms")
    load = os.getloadavg()
    print(f"Load average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
