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


# --- The simulated users (Locust imports this file) --------------------------

# Locust's process has the accounts file; the run (below) and the tests that
# check the form filling (tests/test_load_forms.py) do not need Locust.
if __name__ != "__main__" and ACCOUNTS_ENV in os.environ:
    import json

    from django_otp.oath import totp
    from locust import HttpUser, between, task

    with open(os.environ[ACCOUNTS_ENV], encoding="utf-8") as handle:
        DATA = json.load(handle)
    FREE = {role: list(accounts) for role, accounts in DATA["accounts"].items()}

    class PortalUser(HttpUser):
        abstract = True
        wait_time = between(1, 4)
        role = ""

        def on_start(self) -> None:
            self.account = FREE[self.role].pop()
            self.sign_in()

        def page(self, name: str, url: str):
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
            form = self.client.get("/sign-in/", name="page: sign-in").text
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

    class CouncilApplicant(PortalUser):
        weight = 6
        role = "applicant"

        @task(3)
        def read(self) -> None:
            self.page("council bids list", "/bids/")
            self.page("council awards list", "/savings/")
            if self.account["award"]:
                self.page("council award page", f"/savings/awards/{self.account['award']}/")

        @task(2)
        def fill_and_send_a_bid(self) -> None:
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
                question = self.page("bid question", f"{draft}questions/{slug}/")
                form = page_form(question.text)
                if form:
                    self.write("save an answer", question.url, filled(form))
            self.page("check your answers", f"{draft}check-your-answers/")
            declaration = self.page("declaration", f"{draft}declaration/")
            form = page_form(declaration.text)
            if form:
                self.write("send a bid", declaration.url, filled(form))

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
        weight = 3
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
            self.page("board paper", "/board/update/")
            self.page("board CSV", "/board/data/savings_by_year.csv")


# --- The run (python benchmarks/load.py) --------------------------------------


def main() -> None:  # noqa: PLR0915 - one run, in order
    import argparse
    import csv
    import json
    import logging
    import shutil
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--bids", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--redis-port", type=int, default=6393)
    options = parser.parse_args()
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/productivity_bench_load"
    )

    from benchmarks import pages  # the builders (sets Django up on the bench database)
    from benchmarks import rollups as scale

    say = scale.say
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
    # While building, the drains find no broker and the demo's invitation no
    # mail server: expected, and not worth a traceback each.
    logging.disable(logging.CRITICAL)
    pages.build_first(options.bids, options.entries)

    # One account per simulated user, with one password (hashed once).
    password = "load-test-only-" + os.urandom(8).hex()
    hashed = make_password(password)
    counts = {"applicant": options.users, "officer": options.users, "board": options.users}
    names = {"applicant": APPLICANT, "officer": OFFICER, "board": BOARD_MEMBER}
    groups = {role: Group.objects.get(name=name) for role, name in names.items()}
    with_awards = list(
        Investment.objects.filter(application__isnull=False)
        .exclude(council__short_name="Allerdale")
        .values_list("council_id", "pk")
        .order_by("council_id", "pk")
    )
    award_of = dict(with_awards)  # one award per council: the last
    councils = list(award_of) + list(
        Council.objects.exclude(pk__in=award_of).exclude(short_name="Allerdale")
        .values_list("pk", flat=True)
    )  # fmt: skip
    accounts: dict[str, list[dict]] = {}
    for role, count in counts.items():
        users = User.objects.bulk_create(
            User(
                username=f"load-{role}-{n}",
                password=hashed,
                email=f"load-{role}-{n}@example.org",
                first_name="Load",
                last_name=f"Tester {n}",
                council_id=councils[n] if role == "applicant" else None,
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
    accounts_file = work / "accounts.json"
    accounts_file.write_text(json.dumps(data), encoding="utf-8")
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
        ACCOUNTS_ENV: str(accounts_file),
    }
    python = sys.executable
    subprocess.run(  # noqa: S603 - fixed arguments
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0", "-i", "assets-build"],
        cwd=root,
        env=env,
        check=True,
    )
    started: list[subprocess.Popen] = []

    def start(*command: str, log: str) -> subprocess.Popen:
        with open(work / log, "wb") as output:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        started.append(process)
        return process

    start(shutil.which("redis-server") or "redis-server", "--port", str(options.redis_port),
          "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", log="redis.log")  # fmt: skip
    scale.wait_until(lambda: scale.port_open(options.redis_port), 10)
    start(python, "-m", "gunicorn", "productivity.wsgi", "--workers", str(options.workers),
          "--bind", f"127.0.0.1:{options.port}", log="gunicorn.log")  # fmt: skip
    start(python, "-m", "celery", "-A", "productivity", "worker", "--loglevel=WARNING",
          "--concurrency=1", "--queues=productivity", "--without-gossip", "--without-mingle",
          log="worker.log")  # fmt: skip
    start(python, "-m", "celery", "-A", "productivity", "beat", "--loglevel=WARNING",
          "--schedule", str(work / "beat-schedule"), log="beat.log")  # fmt: skip
    try:
        if not scale.wait_until(lambda: scale.port_open(options.port), 60):
            sys.exit(f"gunicorn did not start: see {work / 'gunicorn.log'}")
        time.sleep(3)  # the worker connects
        seconds = int(options.minutes * 60)
        say(
            f"Locust: {options.users} users for {seconds}s against 127.0.0.1:{options.port}"
            f" ({options.workers} gunicorn workers); logs in {work}"
        )
        load_before = os.getloadavg()
        loads = []
        locust = start(python, "-m", "locust", "-f", __file__, "--headless", "--only-summary",
             "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
             "--run-time", f"{seconds}s", "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{options.port}", "--csv", str(work / "locust"),
             log="locust.log")  # fmt: skip
        while locust.poll() is None:
            time.sleep(10)
            loads.append(os.getloadavg()[0])
        # The writes' last drains, then the rollups against a recompute.
        drained = scale.wait_until(lambda: not OutboxMarker.objects.exists(), 120)
    finally:
        for process in reversed(started):
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

    with open(work / "locust_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    say(f"\nResults ({seconds}s, {options.users} users; machine load 1-min average before"
        f" {load_before[0]:.2f}, during max {max(loads, default=0):.2f}"
        f" mean {sum(loads) / max(len(loads), 1):.2f}, cores {os.cpu_count()})")  # fmt: skip
    say(f"{'request':<42} {'count':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    worst = {"page": 0.0, "write": 0.0}
    failures = 0
    for row in sorted(rows, key=lambda row: row["Name"]):
        if row["Name"] == "Aggregated":
            continue
        kind = row["Name"].split(":")[0]
        p95 = float(row["95%"] or 0)
        worst[kind] = max(worst.get(kind, 0.0), p95)
        failures += int(row["Failure Count"])
        slowest = float(row["Max Response Time"])
        say(f"{row['Name'][:42]:<42} {row['Request Count']:>6} {row['Failure Count']:>5}"
            f" {row['50%']:>7} {row['95%']:>7} {slowest:>7.0f}")  # fmt: skip
    total = next(row for row in rows if row["Name"] == "Aggregated")
    say(f"{'all':<42} {total['Request Count']:>6} {total['Failure Count']:>5}"
        f" {total['50%']:>7} {total['95%']:>7}")  # fmt: skip
    say("")
    say(f"No error responses: {'yes' if failures == 0 else f'NO, {failures} failures'}"
        f" (see {work / 'locust_failures.csv'})")  # fmt: skip
    say(
        f"Worst page p95 {worst['page']:.0f} ms (target 300): "
        f"{'met' if worst['page'] <= 300 else 'missed'}"
    )
    say(
        f"Worst write p95 {worst['write']:.0f} ms (target 1000): "
        f"{'met' if worst['write'] <= 1000 else 'missed'}"
    )
    say(
        f"Outbox drained by the worker: {'yes' if drained else 'no'}; rollups equal a recompute"
        f" from scratch: {'yes' if kept == recomputed else 'NO'} ({len(kept)} rows)"
    )


if __name__ == "__main__":
    main()
