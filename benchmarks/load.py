"""Load test with Locust: every role at once against gunicorn, PostgreSQL, Redis, a worker and beat.

Run as a script, it builds a data set in its own database (the demo, 400
benchmark councils, --bids bids in every state and --entries savings
entries, with the builders of benchmarks/pages.py and benchmarks/rollups.py),
makes one account per simulated user (officers and board members with an
authenticator device whose secret it keeps), collects the static files,
starts a private redis-server, gunicorn (--workers), a Celery worker and
beat, all on 127.0.0.1 only, and runs Locust headless with --users users
for --minutes. Then it stops them and reports, per kind of request, the
count, failures and p50/p95, the machine's load, and whether the rollups
the worker kept equal a recompute from scratch.

Simulated users (Locust imports this file for them):
- council applicants (60%): their bids and awards; start a bid, answer every
  question page, send it; file a savings return on an award;
- officers (30%): the admin lists of bids, savings entries and investments,
  a bid's assessment page, verify a realised saving (admin action), a dry
  run of a savings import;
- board members (10%): the dashboards, a council's page, the board paper
  and CSV downloads.
Everyone signs in through the sign-in page (officers and board members give
their authenticator code), with CSRF tokens read from the forms.

Targets: no error responses; p95 at most 300 ms for pages and
1 s for writes; rollups equal to a recompute at the end.

    pip install --require-hashes -r requirements-bench.lock     # Locust
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_load \\
    .venv/bin/python benchmarks/load.py [--users 50] [--minutes 5] [--workers 4]

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import os
import random
import re
from html.parser import HTMLParser

ACCOUNTS_ENV = "LOAD_ACCOUNTS_FILE"
CPU_HEADER = "X-Bench-CPU-ms"  # productivity/benchcpu.py


# --- Forms as a browser sees them -------------------------------------------


class _FormParser(HTMLParser):
    """Every <form> of a page with its fields: (name, type, value, checked) for
    inputs, textareas and selects (a select's value is its first real option)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower()}
            self._form["fields"] = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if a.get("inputmode") in ("numeric", "decimal"):
                kind = "number"
            self._form["fields"].append((a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], "textarea", "", False))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].append((a["name"], "select", "", False))
        elif tag == "option" and self._select and a.get("value"):
            name, kind, value, _ = self._form["fields"][-1]
            if not value or "selected" in a:
                self._form["fields"][-1] = (name, kind, a["value"], False)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form and data.strip():
            name, kind, _, checked = self._form["fields"][-1]
            self._form["fields"][-1] = (name, kind, data.strip(), checked)


def page_form(html: str) -> dict | None:
    """The page's main form: the POST form with the most fields, not sign-out."""
    parser = _FormParser()
    parser.feed(html)
    forms = [
        form
        for form in parser.forms
        if form["method"] == "post" and not form["action"].endswith("/sign-out/")
    ]
    return max(forms, key=lambda form: len(form["fields"]), default=None)


def answer(name: str, kind: str) -> str:
    """What a council officer would type into an empty field of this name."""
    if "financial_year" in name:
        return "2024/25"
    if name.endswith("-day"):
        return "1"
    if name.endswith("-month"):
        return "4"
    if name.endswith("-year"):
        return "2027"
    if kind == "email" or "email" in name:
        return "load-test@example.org"
    if kind == "number" or any(word in name for word in ("amount", "days", "number", "count")):
        return "1000" if "amount" in name else "5"
    return "Load test answer: plainly fictional."


def filled(form: dict, **given: str) -> dict[str, str | list[str]]:
    """The form's fields as a user fills them: what is there stays, empty
    text gets an answer, the first radio and checkbox of each group is ticked."""
    data: dict[str, str | list[str]] = {}
    for name, kind, value, checked in form["fields"]:
        if kind in ("submit", "button", "file", "image", "reset"):
            continue
        if kind == "radio":
            if checked or name not in data:
                data[name] = value
        elif kind == "checkbox":
            if checked or name not in data:
                data[name] = value or "on"
        elif kind in ("hidden", "select"):
            data.setdefault(name, value)
        else:
            data[name] = value or answer(name, kind)
    data.update(given)
    return data


def question_slugs(task_list: str) -> list[str]:
    """The question pages a draft's task list links to, in order."""
    return list(dict.fromkeys(re.findall(r'href="[^"]*/questions/([\w-]+)/"', task_list)))


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found[1] if found else ""


# --- Steps, percentiles and the knee (pure; tests/test_load_knee.py) ---------

PAGE_P95_MS = 300
WRITE_P95_MS = 1000


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no values): the smallest value with
    at least `fraction` of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil without floats' surprises
    return float(ordered[int(rank) - 1])


def step_of(start: float, began: float, step_seconds: float, steps: int) -> int | None:
    """Which step a request that started at `start` belongs to (None: outside)."""
    index = int((start - began) // step_seconds)
    return index if 0 <= index < steps else None


def step_passes(step: dict) -> bool:
    """Within the targets: no errors, pages p95 at most 300 ms, writes at most 1 s."""
    return (
        step["requests"] > 0
        and step["errors"] == 0
        and step["page_p95"] <= PAGE_P95_MS
        and step["write_p95"] <= WRITE_P95_MS
    )


def knee(steps: list[dict]) -> dict | None:
    """The last step of the first unbroken run of passing steps, stepping the
    arrival rate up: the highest rate the server holds within the targets. A
    step that passes after one that failed is noise, not capacity."""
    best = None
    for step in steps:
        if not step_passes(step):
            break
        best = step
    return best


# --- The simulated users (Locust imports this file) --------------------------

# Locust's process has the accounts file; the run (below) and the tests that
# check the form filling (tests/test_load_forms.py) do not need Locust.
if __name__ != "__main__" and ACCOUNTS_ENV in os.environ:
    import json
    import time

    from django_otp.oath import totp
    from locust import HttpUser, LoadTestShape, constant, constant_pacing, events, task

    with open(os.environ[ACCOUNTS_ENV], encoding="utf-8") as handle:
        DATA = json.load(handle)
    FREE = {role: list(accounts) for role, accounts in DATA["accounts"].items()}
    RUN = DATA["run"]  # scenario, steps, step_seconds, pace, deadline_users, window

    # Every request once, as the user made it: one line per request (a
    # redirect followed is part of its request, and counted in "redirects"),
    # with the server's CPU time from the benchmark's response header.
    _samples = open(RUN["samples"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    @events.test_start.add_listener
    def _began(**_kwargs) -> None:
        _samples.write(json.dumps({"began": time.time()}) + "\n")

    @events.request.add_listener
    def _record(name, response_time, response=None, exception=None, start_time=None, **_kw):
        redirects, cpu = 0, None
        if response is not None and getattr(response, "headers", None) is not None:
            chain = [*getattr(response, "history", []), response]
            redirects = len(chain) - 1
            found = [float(r.headers[CPU_HEADER]) for r in chain if CPU_HEADER in r.headers]
            cpu = sum(found) if found else None
        _samples.write(
            json.dumps(
                [
                    start_time or time.time(),
                    name,
                    round(response_time, 2),
                    exception is None,
                    redirects,
                    cpu,
                ]
            )  # fmt: skip
            + "\n"
        )

    class PortalUser(HttpUser):
        abstract = True
        # Each user starts a task every `pace` seconds (waiting out what the
        # task left of it), so the users set the arrival rate of tasks.
        wait_time = constant_pacing(RUN["pace"])
        role = ""

        def on_start(self) -> None:
            self.account = FREE[self.role].pop()
            self.sign_in()

        def page(self, name: str, url: str):
            """GET, following redirects as the browser would: one request."""
            with self.client.get(url, name=f"page: {name}", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
                return response

        def write(self, name: str, url: str, data: dict, files=None, ok=(302,)):
            """POST without following the redirect: the write's own time."""
            with self.client.post(
                url,
                data=data,
                files=files,
                name=f"write: {name}",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code not in ok:
                    errors = re.findall(
                        r'govuk-error-message">(?:.|\n)*?</span>([^<]+)', response.text
                    )
                    response.failure(f"status {response.status_code} {errors[:2]} at {url}")
                return response

        def sign_in(self) -> None:
            form = self.page("sign-in", "/sign-in/").text
            response = self.write(
                "sign in",
                "/sign-in/",
                {
                    "csrfmiddlewaretoken": csrf_token(form),
                    "username": self.account["username"],
                    "password": DATA["password"],
                },
            )
            if self.account.get("key"):
                verify = self.page("two-factor code", response.headers.get("Location", "/"))
                code = totp(bytes.fromhex(self.account["key"]), step=30, t0=0, digits=6)
                self.write(
                    "two-factor code",
                    verify.url,
                    {"csrfmiddlewaretoken": csrf_token(verify.text), "code": f"{code:06d}"},
                )

        def send_a_bid(self) -> None:
            call = random.choice(DATA["open_calls"])
            start = self.page("start a bid", f"/bids/calls/{call}/start/")
            started = self.write(
                "start a bid",
                start.url,
                filled(page_form(start.text) or {"fields": []}),
                ok=(302,),
            )
            draft = started.headers.get("Location", "")
            if not draft.startswith("/bids/"):
                return
            tasks = self.page("bid task list", draft)
            for slug in question_slugs(tasks.text):
                question = self.page(f"bid question {slug}", f"{draft}questions/{slug}/")
                form = page_form(question.text)
                if form:
                    # No partner council: a named partner must answer before
                    # the bid can be sent (applications/workflow.py), and the
                    # benchmark's councils never answer.
                    data = filled(form)
                    data.pop("partner_councils", None)
                    self.write("save an answer", question.url, data)
            self.page("check your answers", f"{draft}check-your-answers/")
            declaration = self.page("declaration", f"{draft}declaration/")
            form = page_form(declaration.text)
            if form:
                self.write("send a bid", declaration.url, filled(form))

    class CouncilApplicant(PortalUser):
        # About 400 councils with a bid writer or two each, against some 20
        # LGA officers and a dozen board members: at any moment three in
        # four users are councils', one in five an officer, one in twenty
        # a board member (README, "Benchmarks").
        weight = 15
        role = "applicant"

        @task(6)
        def read(self) -> None:
            self.page("council bids list", "/bids/")
            self.page("council awards list", "/savings/")
            if self.account["award"]:
                self.page("council award page", f"/savings/awards/{self.account['award']}/")

        @task(1)
        def fill_and_send_a_bid(self) -> None:
            self.send_a_bid()

        @task(1)
        def file_a_return(self) -> None:
            if not self.account["award"]:
                return
            url = f"/savings/awards/{self.account['award']}/report/"
            form_page = self.page("savings return form", url)
            form = page_form(form_page.text)
            if form:
                self.write("file a savings return", url, filled(form))

    class Officer(PortalUser):
        weight = 4
        role = "officer"

        @task(4)
        def lists(self) -> None:
            self.page("admin bids", "/admin/applications/application/")
            self.page(
                "admin bids submitted", "/admin/applications/application/?state__exact=submitted"
            )
            self.page("admin savings entries", "/admin/savings/savingsentry/")
            self.page("admin investments", "/admin/savings/investment/")

        @task(3)
        def assessment(self) -> None:
            bid = random.choice(DATA["in_assessment"])
            self.page("assessment page", f"/admin/applications/application/{bid}/change/")

        @task(2)
        def verify(self) -> None:
            url = "/admin/savings/savingsentry/?verification=awaiting"
            listing = self.page("admin savings awaiting verification", url)
            entry = random.choice(DATA["unverified"])
            self.write(
                "verify a saving",
                url,
                {
                    "csrfmiddlewaretoken": csrf_token(listing.text),
                    "action": "verify_selected",
                    "_selected_action": str(entry),
                    "index": "0",
                },
            )

        @task(1)
        def import_dry_run(self) -> None:
            url = "/admin/savings/savingsentry/import/"
            form = self.page("savings import", url)
            self.write(
                "savings import dry run",
                url,
                {"csrfmiddlewaretoken": csrf_token(form.text), "dry_run": "on"},
                files={"file": ("savings.csv", DATA["import_csv"], "text/csv")},
                ok=(200,),
            )

    class BoardMember(PortalUser):
        weight = 1
        role = "board"

        @task
        def dashboards(self) -> None:
            self.page("board overview", "/board/")
            self.page("board strand", f"/board/strands/{random.choice(DATA['strands'])}/")
            self.page("board council", f"/board/councils/{random.choice(DATA['councils'])}/")
            self.page("board councils list", "/board/councils/")
            self.page("board paper", "/board/update/")  # a redirect to the draft
            self.page("board CSV", "/board/data/savings_by_year.csv")

    if RUN["scenario"] == "deadline":
        # Deadline day: each council signs in at its own moment of the window
        # (Locust spawns them evenly over it), sends one bid and is done.
        class DeadlineCouncil(PortalUser):
            weight = 1
            role = "applicant"
            wait_time = constant(3600)

            @task
            def send_once(self) -> None:
                if not getattr(self, "sent", False):
                    self.sent = True
                    self.send_a_bid()

        CouncilApplicant.abstract = Officer.abstract = BoardMember.abstract = True

    else:

        class Steps(LoadTestShape):
            """The arrival rate stepped up: `steps` users (each starting a
            task every `pace` seconds) for `step_seconds` each, then stop.
            A step's new users arrive over its first 20 s: each signs in
            first (about 260 ms of CPU for the password hash, by design), and
            ten arriving within the same 2 s queued every request behind
            their hashes, which no council's morning looks like."""

            def tick(self):
                index = int(self.get_run_time() // RUN["step_seconds"])
                if index >= len(RUN["steps"]):
                    return None
                users = RUN["steps"][index]
                arriving = users - (RUN["steps"][index - 1] if index else 0)
                return users, max(arriving / 20, 0.1)


# --- The run (python benchmarks/load.py) --------------------------------------


def cpu_times() -> dict[int, tuple[int, int]]:
    """Per core: (busy, total) jiffies since boot, from /proc/stat."""
    times = {}
    with open("/proc/stat", encoding="ascii") as handle:
        for line in handle:
            name, *fields = line.split()
            if name.startswith("cpu") and name != "cpu":
                values = [int(v) for v in fields[:8]]
                idle = values[3] + values[4]  # idle + iowait
                times[int(name[3:])] = (sum(values) - idle, sum(values))
    return times


def busy(before: dict, after: dict) -> dict[int, float]:
    """Each core's busy share between two cpu_times() readings."""
    return {
        core: (after[core][0] - before[core][0]) / max(after[core][1] - before[core][1], 1)
        for core in after
        if core in before
    }


def read_samples(path) -> tuple[float, list[list]]:
    import json

    began, samples = 0.0, []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if isinstance(item, dict):
                began = item["began"]
            else:
                samples.append(item)
    return began, samples


def summarise(samples: list[list]) -> dict:
    """Counts, errors and p95 of pages and writes among these requests."""
    pages = [s[2] for s in samples if s[1].startswith("page:")]
    writes = [s[2] for s in samples if s[1].startswith("write:")]
    cpu = [s[5] for s in samples if s[5] is not None]
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if not s[3]),
        "redirected": sum(1 for s in samples if s[4]),
        "page_p95": percentile(pages, 0.95),
        "write_p95": percentile(writes, 0.95),
        "p50": percentile([s[2] for s in samples], 0.5),
        "cpu_mean": sum(cpu) / len(cpu) if cpu else 0.0,
    }


def by_name(samples: list[list]) -> dict[str, list[list]]:
    names: dict[str, list[list]] = {}
    for sample in samples:
        names.setdefault(sample[1], []).append(sample)
    return names


def main() -> None:  # noqa: PLR0915 - one run, in order
    import argparse
    import json
    import logging
    import resource
    import shutil
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="knee,deadline", help="knee, deadline or both")
    parser.add_argument("--steps", default="10,20,30,40,50,60,70", help="users at each step")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--pace", type=float, default=10, help="seconds between a user's tasks")
    parser.add_argument("--deadline-councils", type=int, default=200)
    parser.add_argument(
        "--deadline-minutes", type=float, default=5, help="the last hour, compressed"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--bids", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--redis-port", type=int, default=6393)
    parser.add_argument("--no-pin", action="store_true", help="share every core (as before)")
    options = parser.parse_args()
    scenarios = [name.strip() for name in options.scenario.split(",") if name.strip()]
    steps = [int(n) for n in options.steps.split(",")]
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/productivity_bench_load"
    )

    # The load generator on the first core, everything the benchmark starts
    # for the server on the others (PostgreSQL, a system service, is not).
    cores = sorted(os.sched_getaffinity(0))
    pin = not options.no_pin and len(cores) >= 2 and shutil.which("taskset") is not None
    load_cores = str(cores[0]) if pin else ""
    server_cores = ",".join(str(core) for core in cores[1:]) if pin else ""

    def pinned(cpus: str, command: list[str]) -> list[str]:
        return ["taskset", "-c", cpus, *command] if cpus else command

    from benchmarks import pages  # the builders (sets Django up on the bench database)
    from benchmarks import rollups as scale

    say = scale.say
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from applications.models import Application, ApplicationState, Call
    from programmes.models import Council, Strand, User
    from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
    from savings import rollups
    from savings.models import Investment, OutboxMarker, Rollup, SavingsEntry, SavingsKind

    if connection.vendor != "postgresql":
        sys.exit("The load test runs on PostgreSQL: set BENCH_DATABASE_URL")
    if not shutil.which("redis-server"):
        sys.exit("The load test needs redis-server")
    say(f"Database: {connection.settings_dict['NAME']}; resetting it")
    say(
        f"Cores: load generator on {load_cores}, server on {server_cores}"
        if pin
        else "Cores: not pinned (--no-pin, one core, or no taskset): load and server share"
    )
    # While building, the drains find no broker and the demo's invitation no
    # mail server: expected, and not worth a traceback each.
    logging.disable(logging.CRITICAL)
    pages.build_first(options.bids, options.entries)

    # One account per simulated user, with one password (hashed once).
    password = "load-test-only-" + os.urandom(8).hex()
    hashed = make_password(password)
    most = max([*steps, 1])
    counts = {
        "applicant": max(most, options.deadline_councils if "deadline" in scenarios else 0),
        "officer": most,
        "board": most,
    }
    names = {"applicant": APPLICANT, "officer": OFFICER, "board": BOARD_MEMBER}
    groups = {role: Group.objects.get(name=name) for role, name in names.items()}
    abolished = set(Council.objects.filter(abolished_on__isnull=False).values_list("pk", flat=True))
    with_awards = list(
        Investment.objects.filter(application__isnull=False)
        .exclude(council__short_name="Allerdale")
        .values_list("council_id", "pk")
        .order_by("council_id", "pk")
    )
    award_of = dict(with_awards)  # one award per council: the last
    # Councils that can bid: an abolished one (Allerdale, Cumbria) may start none.
    councils = list(award_of) + list(
        Council.objects.exclude(pk__in=award_of).filter(abolished_on__isnull=True)
        .values_list("pk", flat=True)
    )  # fmt: skip
    councils = [pk for pk in councils if pk not in abolished]
    accounts: dict[str, list[dict]] = {}
    for role, count in counts.items():
        users = User.objects.bulk_create(
            User(
                username=f"load-{role}-{n}",
                password=hashed,
                email=f"load-{role}-{n}@example.org",
                first_name="Load",
                last_name=f"Tester {n}",
                council_id=councils[n % len(councils)] if role == "applicant" else None,
                is_staff=role == "officer",
            )
            for n in range(count)
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=groups[role].pk) for user in users
        )
        accounts[role] = []
        for user in users:
            account = {"username": user.username}
            if role == "applicant":
                account["award"] = award_of.get(user.council_id)
            else:
                device = TOTPDevice.objects.create(user=user, name="Load test", confirmed=True)
                account["key"] = device.key
            accounts[role].append(account)
        # Locust hands accounts out from the end: mixed, so a short run's
        # councils are not all those without an award (or all with one).
        random.Random(26).shuffle(accounts[role])
    unverified = list(
        SavingsEntry.objects.filter(kind=SavingsKind.REALISED, verified_at__isnull=True)
        .order_by("?")
        .values_list("pk", flat=True)[:5000]
    )
    council = Council.objects.exclude(short_name="Allerdale").order_by("pk").last()
    data = {
        "password": password,
        "accounts": accounts,
        "open_calls": [
            call.pk
            for call in Call.objects.all()
            if call.is_open() and call.strand.spec.bid_detail_model is not None
        ],
        "in_assessment": list(
            Application.objects.filter(state=ApplicationState.IN_ASSESSMENT).values_list(
                "pk", flat=True
            )[:2000]
        ),
        "unverified": unverified,
        "strands": list(Strand.objects.values_list("key", flat=True)),
        "councils": list(Council.objects.values_list("pk", flat=True)[:400]),
        "import_csv": "strand,council_gss_code,financial_year,amount,kind\n"
        + "".join(f"experts,{council.gss_code},2014/15,{100 + n},projected\n" for n in range(20)),
    }
    logging.disable(logging.NOTSET)
    say(f"Open calls for new bids: {data['open_calls']}")

    work = Path(tempfile.mkdtemp(prefix="load-test-"))
    redis_url = f"redis://127.0.0.1:{options.redis_port}"
    env = {
        **os.environ,
        "DATABASE_URL": scale.DATABASE_URL,
        "CELERY_BROKER_URL": f"{redis_url}/0",
        "DJANGO_CACHE_URL": f"{redis_url}/1",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "BENCH_CPU_HEADER": "true",  # productivity/benchcpu.py
    }
    python = sys.executable
    subprocess.run(  # noqa: S603 - fixed arguments
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0", "-i", "assets-build"],
        cwd=root,
        env=env,
        check=True,
    )
    started: list[subprocess.Popen] = []

    def start(*command: str, log: str, cpus: str, extra: dict | None = None) -> subprocess.Popen:
        with open(work / log, "wb") as output:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                pinned(cpus, list(command)),
                cwd=root,
                env={**env, **(extra or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    start(shutil.which("redis-server") or "redis-server", "--port", str(options.redis_port),
          "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", log="redis.log",
          cpus=server_cores)  # fmt: skip
    scale.wait_until(lambda: scale.port_open(options.redis_port), 10)
    start(python, "-m", "gunicorn", "productivity.wsgi", "--workers", str(options.workers),
          "--bind", f"127.0.0.1:{options.port}", log="gunicorn.log", cpus=server_cores)  # fmt: skip
    start(python, "-m", "celery", "-A", "productivity", "worker", "--loglevel=WARNING",
          "--concurrency=1", "--queues=" + ",".join(settings.WORKER_QUEUES.values()),
          "--without-gossip", "--without-mingle",
          log="worker.log", cpus=server_cores)  # fmt: skip
    start(python, "-m", "celery", "-A", "productivity", "beat", "--loglevel=WARNING",
          "--schedule", str(work / "beat-schedule"), log="beat.log", cpus=server_cores)  # fmt: skip

    def run_locust(scenario: str) -> dict:
        """One headless Locust run, pinned to the load generator's core;
        the requests it made, the cores' use and the load while it ran."""
        samples_file = work / f"{scenario}-requests.jsonl"
        run = {
            "scenario": scenario,
            "samples": str(samples_file),
            "steps": steps,
            "step_seconds": options.step_seconds,
            "pace": options.pace,
        }
        accounts_file = work / f"{scenario}-accounts.json"
        accounts_file.write_text(json.dumps({**data, "run": run}), encoding="utf-8")
        if scenario == "deadline":
            window = options.deadline_minutes * 60
            shape = ["--users", str(options.deadline_councils), "--spawn-rate",
                     f"{options.deadline_councils / window:.4f}",
                     "--run-time", f"{int(window + 60)}s"]  # fmt: skip
        else:
            shape = []  # the Steps shape in this file
        load_before = os.getloadavg()[0]
        readings = [(time.time(), cpu_times(), load_before)]
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust = start(python, "-m", "locust", "-f", __file__, "--headless", "--only-summary",
             *shape, "--stop-timeout", "10", "--host", f"http://127.0.0.1:{options.port}",
             "--csv", str(work / scenario), log=f"locust-{scenario}.log", cpus=load_cores,
             extra={ACCOUNTS_ENV: str(accounts_file)})  # fmt: skip
        while locust.poll() is None:
            time.sleep(2)
            readings.append((time.time(), cpu_times(), os.getloadavg()[0]))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        began, samples = read_samples(samples_file)
        seconds = readings[-1][0] - readings[0][0]
        return {
            "began": began,
            "samples": samples,
            "readings": readings,
            "load_before": load_before,
            "locust_cpu": (after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
            / max(seconds, 1),
        }

    results = {}
    try:
        if not scale.wait_until(lambda: scale.port_open(options.port), 60):
            sys.exit(f"gunicorn did not start: see {work / 'gunicorn.log'}")
        time.sleep(3)  # the worker connects
        say(f"Server: {options.workers} gunicorn workers on port {options.port}; logs in {work}")
        for scenario in scenarios:
            sent_before = Application.objects.filter(state=ApplicationState.SUBMITTED).count()
            if scenario == "knee":
                say(f"Knee: {steps} users, {options.step_seconds:.0f}s each, a task every"
                    f" {options.pace:.0f}s per user")  # fmt: skip
            else:
                say(f"Deadline day: {options.deadline_councils} councils send a bid each over"
                    f" {options.deadline_minutes:g} minutes")  # fmt: skip
            results[scenario] = run_locust(scenario)
            if scenario == "deadline":
                results[scenario]["sent"] = (
                    Application.objects.filter(state=ApplicationState.SUBMITTED).count()
                    - sent_before
                )
        # The writes' last drains, then the rollups against a recompute.
        drained = scale.wait_until(lambda: not OutboxMarker.objects.exists(), 120)
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.terminate()
        for process in started:
            process.wait(timeout=30)

    def figures() -> list[tuple]:
        return list(
            Rollup.objects.order_by("scope_key").values_list(
                *[f.attname for f in Rollup._meta.concrete_fields if f.attname not in
                  ("id", "updated_at", "computed_at")]
            )
        )  # fmt: skip

    kept = figures()
    rollups.recompute_all()
    recomputed = figures()

    def per_request_table(samples: list[list]) -> None:
        say(f"{'request':<40} {'count':>6} {'fail':>5} {'redir':>5} {'p50 ms':>7}"
            f" {'p95 ms':>7} {'max ms':>7} {'CPU ms':>7}")  # fmt: skip
        for name, group in sorted(by_name(samples).items()):
            times = [s[2] for s in group]
            cpu = [s[5] for s in group if s[5] is not None]
            say(f"{name[:40]:<40} {len(group):>6} {sum(1 for s in group if not s[3]):>5}"
                f" {sum(1 for s in group if s[4]):>5} {percentile(times, 0.5):>7.0f}"
                f" {percentile(times, 0.95):>7.0f} {max(times):>7.0f}"
                f" {(sum(cpu) / len(cpu) if cpu else 0):>7.1f}")  # fmt: skip

    def load_during(result: dict, start: float, end: float) -> tuple[float, dict]:
        inside = [r for r in result["readings"] if start <= r[0] <= end] or result["readings"]
        first = min(result["readings"], key=lambda r: abs(r[0] - start))
        last = min(result["readings"], key=lambda r: abs(r[0] - end))
        return max(r[2] for r in inside), busy(first[1], last[1])

    def cores_text(shares: dict) -> str:
        return " ".join(f"cpu{core} {share * 100:.0f}%" for core, share in sorted(shares.items()))

    if "knee" in results:
        result = results["knee"]
        say(f"\nKnee run (load average before {result['load_before']:.2f}; Locust's own CPU"
            f" {result['locust_cpu'] * 100:.0f}% of its core):")  # fmt: skip
        say(f"{'step':>4} {'users':>5} {'tasks/s':>7} {'req/s':>6} {'reqs':>6} {'errors':>6}"
            f" {'page p95':>8} {'write p95':>9} {'CPU ms':>6} {'load':>5}  cores busy")  # fmt: skip
        summaries = []
        for index, users in enumerate(steps):
            start = result["began"] + index * options.step_seconds
            end = start + options.step_seconds
            inside = [
                s for s in result["samples"]
                if step_of(s[0], result["began"], options.step_seconds, len(steps)) == index
            ]  # fmt: skip
            summary = summarise(inside)
            summary.update(users=users, rate=len(inside) / options.step_seconds)
            summaries.append(summary)
            load, shares = load_during(result, start, end)
            say(f"{index + 1:>4} {users:>5} {users / options.pace:>7.1f} {summary['rate']:>6.1f}"
                f" {summary['requests']:>6} {summary['errors']:>6} {summary['page_p95']:>8.0f}"
                f" {summary['write_p95']:>9.0f} {summary['cpu_mean']:>6.1f} {load:>5.2f}"
                f"  {cores_text(shares)}"
                f"{'' if step_passes(summary) else '  (over a target)'}")  # fmt: skip
        best = knee(summaries)
        say(
            f"Knee: {best['rate']:.1f} requests a second ({best['users']} users) with pages p95"
            f" {best['page_p95']:.0f} ms, writes p95 {best['write_p95']:.0f} ms, no errors"
            if best
            else "Knee: below the first step (it missed a target)"
        )
        say("\nEvery request of the knee run (redirects followed count once; 'redir' says how"
            " many were redirected):")  # fmt: skip
        per_request_table(result["samples"])
        say("\nServer CPU per request (X-Bench-CPU-ms: the gunicorn worker's process time),"
            " the ten most used pages:")  # fmt: skip
        say(f"{'page':<40} {'count':>6} {'share':>6} {'CPU mean':>8} {'CPU p50':>7}"
            f" {'CPU p95':>7} {'wall p50':>8}")  # fmt: skip
        page_groups = {n: g for n, g in by_name(result["samples"]).items() if n.startswith("page:")}
        total = len(result["samples"])
        for name, group in sorted(page_groups.items(), key=lambda item: -len(item[1]))[:10]:
            cpu = [s[5] for s in group if s[5] is not None]
            wall = percentile([s[2] for s in group], 0.5)
            say(f"{name[6:46]:<40} {len(group):>6} {len(group) / total * 100:>5.1f}%"
                f" {sum(cpu) / max(len(cpu), 1):>8.1f} {percentile(cpu, 0.5):>7.1f}"
                f" {percentile(cpu, 0.95):>7.1f} {wall:>8.0f}")  # fmt: skip
        overall = summarise(result["samples"])
        say(f"The mix's mean CPU per request (pages and writes): {overall['cpu_mean']:.1f} ms")
        # Signing in is the password hash (PBKDF2, by design) once a visit:
        # its share here against a visit's pages says whether the mix is real.
        signing_in = ("write: sign in", "page: sign-in", "page: two-factor code",
                      "write: two-factor code")  # fmt: skip
        signed_in = [s for s in result["samples"] if s[1] not in signing_in]
        sign_ins = sum(1 for s in result["samples"] if s[1] == "write: sign in")
        without = summarise(signed_in)["cpu_mean"]
        say(f"Sign-ins: {sign_ins} of {total} requests ({sign_ins / max(total, 1) * 100:.1f}%,"
            f" one per {total / max(sign_ins, 1):.0f} requests); the mean without signing in"
            f" (its pages, writes and codes): {without:.1f} ms")  # fmt: skip

    if "deadline" in results:
        result = results["deadline"]
        summary = summarise(result["samples"])
        end = result["readings"][-1][0]
        load, shares = load_during(result, result["readings"][0][0], end)
        say(f"\nDeadline day ({options.deadline_councils} councils over"
            f" {options.deadline_minutes:g} minutes; load average before"
            f" {result['load_before']:.2f}, max {load:.2f}; {cores_text(shares)}):")  # fmt: skip
        per_request_table(result["samples"])
        say(f"Bids sent: {result['sent']}; requests {summary['requests']}, errors"
            f" {summary['errors']}; writes p95 {summary['write_p95']:.0f} ms (target 1000):"
            f" {'met' if summary['write_p95'] <= WRITE_P95_MS else 'missed'};"
            f" pages p95 {summary['page_p95']:.0f} ms")  # fmt: skip

    say(
        f"\nOutbox drained by the worker: {'yes' if drained else 'no'}; rollups equal a recompute"
        f" from scratch: {'yes' if kept == recomputed else 'NO'} ({len(kept)} rows)"
    )
    say(f"Logs, Locust's CSV files and every request (*-requests.jsonl): {work}")


if __name__ == "__main__":
    main()
