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
from that Redis, as a deployment with DJANGO_CACHE_URL does, and the writes
queue their tasks there (no worker reads them). It adds a
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
parser.add_argument("--only", default="", help="only the pages whose names hold one of these words")
parser.add_argument("--sign-in", action="store_true", help="also a sign-in (the password hash)")
OPTIONS = parser.parse_args()
if OPTIONS.cache_url:
    os.environ["DJANGO_CACHE_URL"] = OPTIONS.cache_url
sys.argv = sys.argv[:1] + ["--keep"]  # board_pages reads its own options

from benchmarks import board_pages  # noqa: E402  (Django on BENCH_DATABASE_URL)

board_pages.OPTIONS.repeat = OPTIONS.repeat
if OPTIONS.cache_url:
    # The writes' after-commit work (a rollup drain asked for, notices
    # queued) on a live broker, as under load: that Redis, whose queued tasks
    # no worker reads. Without a cache URL it is the rollup benchmark's port.
    from django.conf import settings as _settings

    from productivity.celery import app as _celery

    # Celery reads CELERY_BROKER_URL from the environment before its conf.
    os.environ["CELERY_BROKER_URL"] = OPTIONS.cache_url
    _settings.CELERY_BROKER_URL = _celery.conf.broker_url = OPTIONS.cache_url

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from applications.models import Application, ApplicationState, Call  # noqa: E402
from applications.sections import sections_for  # noqa: E402
from benchmarks.load import filled, page_form, question_slugs  # noqa: E402
from programmes.board.models import BoardPaper, PaperState  # noqa: E402
from programmes.models import Council, Strand, User  # noqa: E402
from programmes.roles import APPLICANT  # noqa: E402
from savings.models import Investment, SavingsEntry, SavingsKind  # noqa: E402

# The load test's users (benchmarks/load.py: class weights 15 councils, 4
# officers, 1 board member) each start a task every --pace seconds, chosen by
# the task weights below; a task makes these requests. The mean weights each
# kind of request by how often the mix makes it.
USERS = {"applicant": 15, "officer": 4, "board": 1}
TASKS = {
    "applicant": {"read": 6, "send a bid": 1, "file a return": 1},
    "officer": {"lists": 4, "assessment": 3, "verify": 2, "import": 1},
    "board": {"dashboards": 1},
}
# One sign-in per user per run: in the knee run (10, 20, ... 70 users, 60 s
# each, a task every 10 s) 70 sign-ins against 1,680 tasks.
SIGN_INS_PER_TASK = 70 / 1680
BOARD = ("board overview", "board strand", "board council", "board councils list",
         "board paper", "board CSV")  # fmt: skip


def mix(questions: float, award_share: float) -> dict[str, float]:
    """Requests of each kind per task started, in load.py's proportions:
    `questions` question pages a bid has on average, `award_share` of the
    councils have an award (its page, a return)."""
    rate: dict[str, float] = {}

    def add(name: str, role: str, task_name: str, per_task: float = 1.0) -> None:
        share = USERS[role] / sum(USERS.values())
        tasks = TASKS[role]
        rate[name] = rate.get(name, 0) + share * tasks[task_name] / sum(tasks.values()) * per_task

    add("council bids list", "applicant", "read")
    add("council awards list", "applicant", "read")
    add("council award page", "applicant", "read", award_share)
    for name in ("start a bid", "write: start a bid", "bid task list", "check your answers",
                 "declaration", "write: send a bid"):  # fmt: skip
        add(name, "applicant", "send a bid")
    add("bid question", "applicant", "send a bid", questions)
    add("write: save an answer", "applicant", "send a bid", questions)
    add("savings return form", "applicant", "file a return", award_share)
    add("write: file a savings return", "applicant", "file a return", award_share)
    for name in ("admin bids", "admin bids submitted", "admin savings entries",
                 "admin investments"):  # fmt: skip
        add(name, "officer", "lists")
    add("assessment page", "officer", "assessment")
    add("admin savings awaiting verification", "officer", "verify")
    add("write: verify a saving", "officer", "verify")
    add("savings import", "officer", "import")
    add("write: savings import dry run", "officer", "import")
    for name in BOARD:
        add(name, "board", "dashboards")
    return rate


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
        found["savings return form"] = (applicant, f"/savings/awards/{award.pk}/report/")
    found["admin savings awaiting verification"] = (
        officer,
        "/admin/savings/savingsentry/?verification=awaiting",
    )
    found["savings import"] = (officer, "/admin/savings/savingsentry/import/")
    strand = Strand.objects.order_by("pk").values_list("key", flat=True).last()
    council = list(Council.objects.order_by("pk").values_list("pk", flat=True)[:400])[-1]
    found.update(
        {
            "board strand": (board, f"/board/strands/{strand}/"),
            "board council": (board, f"/board/councils/{council}/"),
            "board councils list": (board, "/board/councils/"),
            "board paper": (board, "/board/update/"),  # a redirect to the draft: both
            "board CSV": (board, "/board/data/savings_by_year.csv"),
        }
    )
    # The other board pages and the officer's draft paper preview (issue 26's
    # board targets): measured too, but not in the load mix's mean.
    allerdale = Council.objects.filter(short_name="Allerdale").first()
    found["board strand (experts)"] = (board, "/board/strands/experts/")
    if allerdale is not None:
        found["board council (Allerdale)"] = (board, f"/board/councils/{allerdale.pk}/")
    draft_paper = BoardPaper.objects.filter(state=PaperState.DRAFT).order_by("pk").first()
    if draft_paper is not None:
        found["draft paper preview"] = (officer, f"/board/papers/{draft_paper.pk}/")
    return found


def open_calls() -> list[Call]:
    """The calls the load test's councils bid on (load.py's DATA["open_calls"])."""
    return [
        call
        for call in Call.objects.select_related("strand").order_by("pk")
        if call.is_open() and call.strand.spec.bid_detail_model is not None
    ]


def questions_per_bid(calls: list[Call]) -> float:
    return statistics.mean(len(sections_for(Application(call=call))) for call in calls)


def award_share() -> float:
    """The share of the knee run's 70 council accounts with an award: load.py
    gives the councils with awards their accounts first."""
    with_awards = (
        Investment.objects.filter(application__isnull=False)
        .exclude(council__short_name="Allerdale")
        .values("council_id")
        .distinct()
        .count()
    )
    return min(with_awards, 70) / 70


PROFILER = None  # --profile "write: ...": a cProfile.Profile of that kind of request


def timed(samples: dict | None, name: str, call, *args, **kwargs):
    """`call(*args, **kwargs)`, its CPU added to samples[name] (None: a warm-up)."""
    profiling = PROFILER is not None and samples is not None and name == OPTIONS.profile
    if profiling:
        PROFILER.enable()
    start = time.process_time()
    response = call(*args, **kwargs)
    cpu = (time.process_time() - start) * 1000
    if profiling:
        PROFILER.disable()
    if samples is not None:
        samples.setdefault(name, []).append(cpu)
    return response


def writes(officer: User, award_pk: int | None) -> dict[str, list[float]]:
    """The mix's writes, each --repeat times, as load.py makes them: a bid
    started, every question answered, sent (and the pages on the way,
    measured as they come: "bid question" is every question page of the
    open calls, in turn); a saving verified; a dry-run import; a return."""
    samples: dict[str, list[float]] = {}
    council = (
        Council.objects.filter(abolished_on__isnull=True)
        .exclude(short_name="Allerdale")
        .order_by("pk")
        .last()
    )
    sender, _ = User.objects.get_or_create(
        username="bench-cpu-sender", defaults={"council": council}
    )
    sender.groups.add(Group.objects.get(name=APPLICANT))
    client = board_pages.signed_in_client(sender)
    calls = open_calls()
    for n in range(OPTIONS.repeat + 1):
        into = samples if n else None  # the first round warms up
        call = calls[n % len(calls)]
        start_url = f"/bids/calls/{call.pk}/start/"
        start = timed(into, "start a bid", client.get, start_url)
        started = timed(into, "write: start a bid", client.post, start_url,
                        filled(page_form(start.text) or {"fields": []}))  # fmt: skip
        draft = started.headers["Location"]
        tasks = timed(into, "bid task list", client.get, draft)
        for slug in question_slugs(tasks.text):
            url = f"{draft}questions/{slug}/"
            question = timed(into, "bid question", client.get, url)
            form = page_form(question.text)
            if form:
                data = filled(form)
                data.pop("partner_councils", None)
                saved = timed(into, "write: save an answer", client.post, url, data)
                assert saved.status_code == 302, (url, saved.status_code)
        timed(into, "check your answers", client.get, f"{draft}check-your-answers/")
        declaration = timed(into, "declaration", client.get, f"{draft}declaration/")
        sent = timed(into, "write: send a bid", client.post, f"{draft}declaration/",
                     filled(page_form(declaration.text) or {"fields": []}))  # fmt: skip
        assert sent.status_code == 302, ("not sent", sent.status_code)

    client = board_pages.signed_in_client(officer)
    url = "/admin/savings/savingsentry/?verification=awaiting"
    unverified = list(
        SavingsEntry.objects.filter(kind=SavingsKind.REALISED, verified_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: OPTIONS.repeat + 1]
    )
    for n, entry in enumerate(unverified):
        data = {"action": "verify_selected", "_selected_action": str(entry), "index": "0"}
        verified = timed(samples if n else None, "write: verify a saving", client.post, url, data)
        assert verified.status_code == 302, ("not verified", verified.status_code)
    import_url = "/admin/savings/savingsentry/import/"
    gss = Council.objects.exclude(short_name="Allerdale").order_by("pk").last().gss_code
    csv = "strand,council_gss_code,financial_year,amount,kind\n" + "".join(
        f"experts,{gss},2014/15,{100 + n},projected\n" for n in range(20)
    )
    for n in range(OPTIONS.repeat + 1):
        upload = SimpleUploadedFile("savings.csv", csv.encode(), content_type="text/csv")
        checked = timed(samples if n else None, "write: savings import dry run", client.post,
                        import_url, {"dry_run": "on", "file": upload})  # fmt: skip
        assert checked.status_code == 200, ("import", checked.status_code)

    if award_pk is not None:
        client = board_pages.signed_in_client(User.objects.get(username="demo-allerdale"))
        url = f"/savings/awards/{award_pk}/report/"
        form = page_form(client.get(url).content.decode())
        for n in range(OPTIONS.repeat + 1):
            sent = timed(samples if n else None, "write: file a savings return", client.post,
                         url, filled(form or {"fields": []}))  # fmt: skip
            assert sent.status_code == 302, ("return", sent.status_code)
    return samples


def measure(client, url: str) -> tuple[float, int, int]:
    """Median CPU of --repeat renders (a redirect followed: the board paper's
    /board/update/ is one user action, both requests), and one render's queries."""
    response = client.get(url, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    cpu = []
    for _ in range(OPTIONS.repeat):
        reset_queries()
        start = time.process_time()
        response = client.get(url, follow=True)
        cpu.append((time.process_time() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, follow=True)
    return statistics.median(cpu), len(queries), response.status_code


def sign_in_cpu() -> float:
    """A council user's sign-in: the page, then the password (PBKDF2 at
    Django's default strength, by design)."""
    user, _ = User.objects.get_or_create(
        username="bench-cpu-signin", defaults={"council": Council.objects.order_by("pk").last()}
    )
    user.set_password("bench-cpu-signin-password")
    user.save()
    user.groups.add(Group.objects.get(name=APPLICANT))
    cpu = []
    for _ in range(3):
        client = Client()
        start = time.process_time()
        client.get("/sign-in/")
        signed = client.post(
            "/sign-in/", {"username": user.username, "password": "bench-cpu-signin-password"}
        )
        cpu.append((time.process_time() - start) * 1000)
        assert signed.status_code == 302, ("sign-in", signed.status_code)
    return statistics.median(cpu)


def profile(client, url: str) -> None:
    import cProfile
    import pstats
    import tempfile

    client.get(url, follow=True)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(OPTIONS.repeat):
        client.get(url, follow=True)
    profiler.disable()
    saved = Path(tempfile.gettempdir()) / "cpu_pages.prof"
    profiler.dump_stats(saved)
    print(f"Profile (CPU time) saved in {saved}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def main() -> None:
    load = os.getloadavg()
    calls = open_calls()
    questions, awards = questions_per_bid(calls), award_share()
    print(
        f"Database {connection.settings_dict['NAME']}: {Application.objects.count():,} bids;"
        f" sessions {settings.SESSION_ENGINE.rsplit('.', 1)[1]};"
        f" load average {load[0]:.2f} {load[1]:.2f};"
        f" {questions:.2f} question pages a bid, {awards:.0%} of councils with an award"
    )
    found = pages()
    clients: dict[int, object] = {}
    cpu_of: dict[str, float] = {}
    for name, (user, url) in found.items():
        client = clients.get(user.pk) or board_pages.signed_in_client(user)
        clients[user.pk] = client
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
            if OPTIONS.profile == name:
                profile(client, url)
                return
            continue
        if OPTIONS.only and not any(word in name for word in OPTIONS.only.split(",")):
            continue
        cpu, queries, _ = measure(client, url)
        cpu_of[name] = cpu
        print(f"  {name:<38} CPU {cpu:6.1f} ms  {queries:3d} queries  {url}")
    if OPTIONS.profile and not OPTIONS.profile.startswith("write: "):
        raise SystemExit(f"No page {OPTIONS.profile!r}: one of {', '.join(found)}")
    if not OPTIONS.only or "write" in OPTIONS.only:
        officer = User.objects.get(username="demo-officer")
        award = found.get("council award page", (None, ""))[1].rstrip("/").rsplit("/", 1)[-1]
        if OPTIONS.profile:
            import cProfile
            import pstats
            import tempfile

            global PROFILER  # noqa: PLW0603 - the one kind of write to profile
            PROFILER = cProfile.Profile(time.process_time)
            writes(officer, int(award) if award else None)
            PROFILER.dump_stats(Path(tempfile.gettempdir()) / "cpu_pages.prof")
            pstats.Stats(PROFILER).sort_stats("cumulative").print_stats(45)
            return
        for name, samples in writes(officer, int(award) if award else None).items():
            # The draft's pages as the load test meets them (every question
            # page, a new draft each time) replace those of the one draft above.
            cpu_of[name] = statistics.median(samples)
            print(
                f"  {name:<38} CPU {cpu_of[name]:6.1f} ms  ({len(samples)} requests, sending bids)"
            )
    weights = mix(questions, awards)
    measured_weights = {name: weights[name] for name in cpu_of if name in weights}
    mean = sum(cpu_of[name] * w for name, w in measured_weights.items()) / sum(
        measured_weights.values()
    )
    missing = sorted(set(weights) - set(cpu_of))
    print(
        f"Mean CPU weighted by the load mix (benchmarks/load.py's task weights),"
        f" without sign-in: {mean:.1f} ms"
        + (f" (not measured: {', '.join(missing)})" if missing else "")
    )
    share = {name: w / sum(measured_weights.values()) for name, w in measured_weights.items()}
    for name in sorted(share, key=lambda name: -share[name] * cpu_of[name])[:12]:
        print(
            f"    {name:<38} {share[name]:6.1%} of requests,"
            f" {share[name] * cpu_of[name]:5.1f} ms of the mean"
        )
    if OPTIONS.sign_in:
        sign_in = sign_in_cpu()
        per_task = sum(measured_weights.values())
        signs = SIGN_INS_PER_TASK * 2  # the page and the password
        with_sign_in = (mean * per_task + sign_in * SIGN_INS_PER_TASK) / (per_task + signs)
        print(f"  sign-in (page and password)            CPU {sign_in:6.1f} ms")
        print(f"Mean with the knee run's sign-ins (one per {1 / SIGN_INS_PER_TASK:.0f} tasks):"
              f" {with_sign_in:.1f} ms")  # fmt: skip
    load = os.getloadavg()
    print(f"Load average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
