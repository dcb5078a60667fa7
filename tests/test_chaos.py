"""Chaos: the worker path survives Redis and the worker being killed.

Officers' edits (through the services, from several threads) go on while a
private redis-server is SIGKILLed twice and the worker process (a real
`celery worker` with embedded beat, as production runs it) is SIGKILLed once.
The test plays the supervisor by the rule of deploy/systemd: whatever exits is
started again after RestartSec. With no manual step, the rollups must then
equal a recompute from scratch within two minutes of the last edit, no outbox
marker may be left, every notice must be sent or recorded as failed, and no
save may fail. The worker must exit only when it is killed: Redis going away
is something it rides out (docs/worker.md, "Broker outages").

A second run keeps the worker down for the whole burst and starts it after.

PostgreSQL and a broker only (CI): the worker process needs the test database
on a server it can reach.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery, current_app
from django.db import close_old_connections, connection, models
from django.test import Client

from applications import services as bids
from programmes.board.models import BoardPaper
from programmes.board.services import paper_create, paper_publish
from programmes.notices.models import Notice, NoticeStatus
from programmes.payments import services as payments
from programmes.payments.models import Claim, ClaimState, Commitment, MoneyRollup
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from savings import rollups
from savings import services as facts
from savings.models import InvestmentSource, OutboxMarker, Rollup, RollupMonth, SavingsEntry
from tests.applications.bids import bid_in_assessment
from tests.factories import CallFactory, CouncilFactory, UserFactory

PORT = 6393
CACHE_PORT = 6394  # a second private Redis, for the cache alone
PRINTS = 6  # board papers published at once in the silent-mail run
# Slots per worker, as the Procfile and deploy/systemd give them.
CONCURRENCY = {"rollups": 1, "notices": 2, "printing": 1, "housekeeping": 1}
RESTART_SECONDS = 2  # deploy/systemd: RestartSec=2
CONVERGE_SECONDS = 120
THREADS = 4
EDITS_PER_THREAD = 75
YEARS = ["2012/13", "2013/14", "2014/15"]
FIELDS = [f.name for f in Rollup._meta.fields if f.name not in {"id", "computed_at"}]
MONEY_FIELDS = [f.name for f in MoneyRollup._meta.fields if f.name not in {"id", "computed_at"}]
MONTH_FIELDS = [f.attname for f in RollupMonth._meta.fields if f.name != "id"]
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.worker,
    pytest.mark.chaos,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process needs the test database on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


class Supervised:
    """A process that the supervisor starts again when it exits."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.exits: list[int] = []
        self.wanted = True

    def start(self) -> None:
        handle = self.log.open("ab")
        # Its own process group, killed whole, as systemd kills a unit's
        # control group: a SIGKILLed worker's pool and beat children would
        # otherwise live on as orphans after the test (and they did).
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            self.argv,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
        self.starts += 1

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # the whole group has gone already
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self._signal_group(signal.SIGKILL)

    def stop(self) -> None:
        self.wanted = False
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
        # Whatever the main process left behind in its group goes too.
        self._signal_group(signal.SIGKILL)


class Supervisor(threading.Thread):
    """Restart what exits, RestartSec after it exits, as systemd would."""

    def __init__(self, services: list[Supervised]) -> None:
        super().__init__(daemon=True)
        self.services = services
        self.running = True

    def run(self) -> None:
        while self.running:
            for service in self.services:
                process = service.process
                if service.wanted and process is not None and process.poll() is not None:
                    service.exits.append(process.returncode)
                    service.process = None
                    time.sleep(RESTART_SECONDS)
                    if self.running and service.wanted:
                        service.start()
            time.sleep(0.2)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(1)
    raise AssertionError(f"not within {timeout}s: {what}")


def worker_processes(settings, env: dict, tmp_path: Path) -> dict[str, Supervised]:
    """One worker per queue, as production runs them (Procfile, systemd
    productivity-worker@.service); beat embedded in the housekeeping worker."""
    workers = {}
    for kind, queue in settings.WORKER_QUEUES.items():
        argv = [sys.executable, "-m", "celery", "-A", "productivity", "worker"]
        argv += ["--loglevel=INFO", f"--queues={queue}", f"--hostname={kind}@%h"]
        argv += [f"--concurrency={CONCURRENCY[kind]}"]
        if kind == "housekeeping":
            argv += ["--beat", f"--schedule={tmp_path / 'beat-schedule'}"]
        workers[kind] = Supervised(kind, argv, env, tmp_path / f"worker-{kind}.log")
    return workers


def stack_env(settings, broker: str, **extra: str) -> dict:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        **extra,
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def redis_process(port: int, env: dict, log: Path) -> Supervised:
    return Supervised(
        f"redis-{port}",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        + ["--save", "", "--appendonly", "no"],
        env,
        log,
    )


def cache_on(settings, url: str) -> None:
    """This process's pages use the cache on Redis too (productivity settings' shape)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "programmes.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "productivity",
            "OPTIONS": {"RETRY_AFTER": 1},
        }
    }
    settings.CACHE_URL = url


@contextlib.contextmanager
def sending_to(settings, broker: str, celery_config):
    """This process sends its drain requests and notices to the private Redis.

    Celery reads the CELERY_BROKER_URL environment variable before any
    configuration (`Settings.broker_url`), so it is set here too: without it
    every task this process queued went to the run's own broker (the shared
    Redis), where no worker of the test read it, and only the sweeps made the
    test converge."""
    settings.CELERY_BROKER_URL = broker
    previous_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker
    previous_app = current_app._get_current_object()
    app = Celery("chaos-sender")
    app.config_from_object({**celery_config, "broker_url": broker, "result_backend": None})
    assert app.conf.broker_url == broker
    try:
        yield app
    finally:
        previous_app.set_current()
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env


@pytest.fixture
def stack(tmp_path, settings, celery_config):
    """A private Redis (broker, and the cache in its database 1) and one worker
    per queue with beat, all supervised."""
    broker = f"redis://127.0.0.1:{PORT}/0"
    cache_url = f"redis://127.0.0.1:{PORT}/1"
    env = stack_env(settings, broker, DJANGO_CACHE_URL=cache_url)
    redis = redis_process(PORT, env, tmp_path / "redis.log")
    workers = worker_processes(settings, env, tmp_path)
    cache_on(settings, cache_url)
    with sending_to(settings, broker, celery_config):
        redis.start()
        time.sleep(0.5)
        supervisor = Supervisor([redis, *workers.values()])
        supervisor.start()
        yield redis, workers
        supervisor.running = False
        supervisor.join(timeout=10)
        for worker in workers.values():
            worker.stop()
        redis.stop()
    print(f"worker logs: {tmp_path}")


@pytest.fixture
def programme(strands):
    """Councils for the facts, and bids in assessment to send notices about."""
    councils = [CouncilFactory(gss_code=f"E0700092{n}") for n in range(3)]
    officer = UserFactory(username="chaos-officer", role=OFFICER, is_staff=True)
    call = CallFactory(strand=strands["experts"])
    bid_list = []
    for n in range(THREADS):
        council = CouncilFactory(gss_code=f"E0700093{n}")
        applicant = UserFactory(username=f"chaos-applicant-{n}", council=council, role=APPLICANT)
        bid_list.append((bid_in_assessment(call, council, applicant, officer), applicant))
    return councils, officer, bid_list


class MoneyAtWork:
    """One thread's money out (docs/money.md): awards allocated (commitments),
    claims made on them, approved, paid or sent back, and awards reduced or
    withdrawn, each a valid step, so that every one saves. Each marks its
    award's scope, so the drain rebuilds the money rollups under the faults."""

    PENNY = Decimal("0.01")

    def __init__(self) -> None:
        self.awards: list[int] = []

    def step(self, rng: random.Random, scope: dict, step: int) -> None:
        live = list(Commitment.objects.filter(pk__in=self.awards, withdrawn_at__isnull=True))
        claims = list(Claim.objects.filter(commitment_id__in=self.awards).order_by("pk"))
        waiting = [c for c in claims if c.state == ClaimState.SUBMITTED]
        approved = [c for c in claims if c.state == ClaimState.APPROVED]
        roll = rng.random()
        if roll < 0.25 or not live:
            investment = facts.investment_record(
                actor=SYSTEM,
                **scope,
                source=InvestmentSource.LGA_GRANT,
                amount=Decimal(rng.randint(1_000, 9_000)),
            )
            self.awards.append(payments.commitment_allocate(investment=investment, actor=SYSTEM).pk)
        elif roll < 0.55:
            award = rng.choice(live)
            left = payments.remaining(award)
            if left < Decimal(1):
                payments.commitment_withdraw(commitment=award, reason="Finished", actor=SYSTEM)
                return
            payments.claim_submit(
                commitment=award,
                actor=SYSTEM,
                amount=min(left, Decimal(rng.randint(100, 4_000))),
                period_from=date(2013, 4, 1),
                period_to=date(2013, 9, 30),
                invoice_reference=f"CHAOS-{award.pk}-{step}",
                declaration=True,
            )
        elif roll < 0.7 and waiting:
            payments.claim_approve(claim=rng.choice(waiting), actor=SYSTEM)
        elif roll < 0.8 and approved:
            payments.claim_pay(
                claim=rng.choice(approved), actor=SYSTEM, paid_on=date(2013, 10, 1), reference="P"
            )
        elif roll < 0.9 and waiting:
            payments.claim_send_back(claim=rng.choice(waiting), actor=SYSTEM, reason="No invoice")
        else:
            award = rng.choice(live)
            claimed = award.amount - payments.remaining(award)
            if award.amount - claimed >= Decimal(2):
                payments.commitment_reduce(
                    commitment=award,
                    amount=(claimed + (award.amount - claimed) / 2).quantize(self.PENNY),
                    reason="Less work",
                    actor=SYSTEM,
                )


def burst(strands, councils, officer, bid_list) -> tuple[list[threading.Thread], list, list]:
    """Edits from several threads: savings and investment facts created, moved and
    deleted, money out's awards, claims, approvals, payments, sends back and
    reductions, and bids sent back and forth (each move a notice)."""
    failures: list[str] = []
    done = [0]
    lock = threading.Lock()

    def officer_at_work(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 - a repeatable test, not security
        mine: list[int] = []
        money = MoneyAtWork()
        bid, applicant = bid_list[n]
        try:
            for step in range(EDITS_PER_THREAD):
                scope = {
                    "strand": strands[rng.choice(["experts", "ope", "growth"])],
                    "council": rng.choice(councils),
                    "financial_year": rng.choice(YEARS),
                }
                try:
                    choice = rng.random()
                    if 0.35 <= choice < 0.6 and mine:
                        money.step(rng, scope, step)
                    elif choice < 0.35 or not mine:
                        entry = facts.savings_entry_record(
                            actor=SYSTEM,
                            **scope,
                            kind="projected",
                            amount=Decimal(rng.randint(1, 10_000)),
                        )
                        mine.append(entry.pk)
                    elif choice < 0.75:
                        entry = SavingsEntry.objects.get(pk=rng.choice(mine))
                        facts.savings_entry_update(actor=SYSTEM, entry=entry, **scope)
                    elif choice < 0.82:
                        pk = mine.pop(rng.randrange(len(mine)))
                        facts.savings_entry_delete(
                            actor=SYSTEM, entry=SavingsEntry.objects.get(pk=pk)
                        )
                    elif choice < 0.9:
                        facts.investment_record(
                            actor=SYSTEM,
                            **scope,
                            source=InvestmentSource.LGA_GRANT,
                            amount=Decimal(rng.randint(1, 5_000)),
                        )
                    elif bid.state == "in_assessment":
                        bid = bids.application_information_request(
                            application=bid, actor=officer, message=f"Question {step}"
                        )
                    else:
                        bid = bids.application_information_provide(
                            application=bid, actor=applicant, note=f"Answer {step}"
                        )
                except Exception as error:  # noqa: BLE001 - every failed save is reported
                    failures.append(f"thread {n} step {step}: {type(error).__name__}: {error}")
                with lock:
                    done[0] += 1
                time.sleep(rng.uniform(0.02, 0.12))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=officer_at_work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    return threads, failures, done


def converged() -> bool:
    if OutboxMarker.objects.exists():
        return False
    return not Notice.objects.filter(
        status__in=[NoticeStatus.PENDING, NoticeStatus.RETRYING]
    ).exists()


def assert_money_was_made() -> str:
    """The burst's money steps made awards, claims in every state and money
    rollups to compare (with a recompute, in assert_rollups_equal_a_recompute)."""
    states = set(Claim.objects.values_list("state", flat=True))
    assert {ClaimState.PAID, ClaimState.SENT_BACK, ClaimState.SUBMITTED} <= states, states
    assert Commitment.objects.exclude(amount=models.F("awarded")).exists()  # reduced or withdrawn
    assert MoneyRollup.objects.filter(paid__gt=0).exists()
    return (
        f"{Commitment.objects.count()} awards, {Claim.objects.count()} claims, "
        f"{MoneyRollup.objects.count()} money rollup rows"
    )


def assert_rollups_equal_a_recompute() -> int:
    """Savings rollups, their rows by month of effective date (RollupMonth:
    the figures as at a past date) and money out's (MoneyRollup: committed,
    claimed, paid)."""
    drained = sorted(Rollup.objects.values_list(*FIELDS))
    months = sorted(RollupMonth.objects.values_list(*MONTH_FIELDS))
    money = sorted(MoneyRollup.objects.values_list(*MONEY_FIELDS))
    rollups.recompute_all()
    assert sorted(Rollup.objects.values_list(*FIELDS)) == drained
    assert sorted(RollupMonth.objects.values_list(*MONTH_FIELDS)) == months
    assert sorted(MoneyRollup.objects.values_list(*MONEY_FIELDS)) == money
    return len(drained)


class Requests(threading.Thread):
    """Pages people use while the faults go on, through the whole Django stack
    in this process: the board (cached tables and charts), a password reset
    (the throttle counts in the cache) and /healthz. None may answer 500."""

    def __init__(self, board_member) -> None:
        super().__init__(daemon=True)
        self.board_member = board_member
        self.running = True
        self.answers: list[tuple[str, int]] = []

    def run(self) -> None:
        board, anyone = Client(), Client()
        board.force_login(self.board_member)
        for client in (board, anyone):
            client.raise_request_exception = False
        n = 0
        try:
            while self.running:
                n += 1
                board_page = board.get("/board/")
                reset = anyone.post("/password-reset/", {"email": f"p{n}@example.org"})
                health = anyone.get("/healthz")
                self.answers += [
                    ("board", board_page.status_code),
                    ("password-reset", reset.status_code),
                    ("healthz", health.status_code),
                ]
                time.sleep(0.2)
        finally:
            close_old_connections()

    def stop(self) -> list[tuple[str, int]]:
        self.running = False
        self.join(timeout=30)
        return self.answers


def statuses(answers: list[tuple[str, int]]) -> dict[str, dict[int, int]]:
    counted: dict[str, dict[int, int]] = {}
    for name, status in answers:
        counted.setdefault(name, {}).setdefault(status, 0)
        counted[name][status] += 1
    return counted


def test_edits_survive_redis_and_the_worker_being_killed(stack, strands, programme):
    redis, workers = stack
    councils, officer, bid_list = programme
    for worker in workers.values():
        worker.start()
    time.sleep(8)  # the workers are up and consuming
    requests = Requests(UserFactory(username="chaos-board", role=BOARD_MEMBER))
    requests.start()
    threads, failures, done = burst(strands, councils, officer, bid_list)
    started = time.monotonic()
    outages = []
    for at, victim in [(4, redis), (9, workers["rollups"]), (12, workers["notices"]), (15, redis)]:
        time.sleep(max(0.0, started + at - time.monotonic()))
        victim.kill()
        outages.append((at, victim.name))
    for thread in threads:
        thread.join()
    last_edit = time.monotonic()
    answers = requests.stop()

    took = wait_for(converged, CONVERGE_SECONDS, "no outbox marker and every notice settled")
    rows = assert_rollups_equal_a_recompute()
    assert failures == []  # before the money: a step that failed made none
    made = assert_money_was_made()
    notices = Notice.objects.count()
    print(
        f"chaos: {done[0]} edits ({made}), outages {outages}, "
        f"converged {took:.0f}s after the last edit "
        f"({time.monotonic() - last_edit:.0f}s), {rows} rollup rows compared, {notices} notices "
        f"({Notice.objects.filter(status=NoticeStatus.SENT).count()} sent), "
        f"worker exits { {kind: w.exits for kind, w in workers.items()} }, "
        f"redis exits {redis.exits}, requests {statuses(answers)}"
    )
    assert failures == []
    assert done[0] == THREADS * EDITS_PER_THREAD
    assert notices > 0
    assert not Notice.objects.exclude(status__in=[NoticeStatus.SENT, NoticeStatus.FAILED]).exists()
    # Each worker exited only when it was killed, never because Redis went away.
    assert {kind: worker.exits for kind, worker in workers.items()} == {
        "rollups": [-signal.SIGKILL],
        "notices": [-signal.SIGKILL],
        "printing": [],
        "housekeeping": [],
    }
    assert len(redis.exits) == 2
    # Redis (broker and cache) down: pages still answer, never with a 500.
    assert answers
    assert not [answer for answer in answers if answer[1] >= 500 and answer[1] != 503]
    assert all(status == 200 for name, status in answers if name == "board")


def test_edits_made_while_the_worker_is_down_reach_the_rollups_when_it_starts(
    stack, strands, programme
):
    redis, workers = stack
    councils, officer, bid_list = programme
    threads, failures, done = burst(strands, councils, officer, bid_list)
    for thread in threads:
        thread.join()
    assert OutboxMarker.objects.exists()
    for worker in workers.values():
        worker.start()
    took = wait_for(converged, CONVERGE_SECONDS, "no outbox marker and every notice settled")
    rows = assert_rollups_equal_a_recompute()
    assert failures == []  # before the money: a step that failed made none
    made = assert_money_was_made()
    print(
        f"workers down for the burst: {done[0]} edits ({made}), "
        f"converged {took:.0f}s after they started, {rows} rollup rows compared"
    )
    assert failures == []
    assert all(worker.exits == [] for worker in workers.values())


class SilentThenAnsweringSmtp(threading.Thread):
    """A mail server on a spare loopback port that accepts connections and
    never answers (the worst case: each send holds a worker slot for the
    whole EMAIL_TIMEOUT) until `answer()`; connections made after that get
    a minimal SMTP dialogue, and each message is kept."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.answering = threading.Event()
        self.stopping = threading.Event()
        self.held = 0
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def answer(self) -> None:
        self.answering.set()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.server.close()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            handler = self._converse if self.answering.is_set() else self._hold
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        # Accepted, never a word, until the client gives up (EMAIL_TIMEOUT).
        with self.lock:
            self.held += 1
        conn.settimeout(1)
        with conn:
            while not self.stopping.is_set():
                try:
                    if not conn.recv(1024):
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return

    def _converse(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 chaos-smtp ESMTP\r\n")
            for raw in lines:
                command = raw.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250 chaos-smtp\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = b""
                    for line in lines:
                        if line in (b".\r\n", b".\n"):
                            break
                        data += line[1:] if line.startswith(b"..") else line
                    message = email.message_from_bytes(data, policy=email.policy.default)
                    with self.lock:
                        self.received.append((str(message["To"]), str(message["Subject"])))
                    conn.sendall(b"250 kept\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # MAIL FROM, RCPT TO, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


@pytest.fixture
def silent_mail_stack(tmp_path, settings, celery_config):
    """The production layout against a mail server that never answers (until
    told to) and a cache on a Redis of its own; set up before the programme's
    fixtures, so everything they queue goes to the private broker."""
    smtp = SilentThenAnsweringSmtp()
    smtp.start()
    broker = f"redis://127.0.0.1:{PORT}/0"
    cache_url = f"redis://127.0.0.1:{CACHE_PORT}/0"
    env = stack_env(
        settings,
        broker,
        DJANGO_CACHE_URL=cache_url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(smtp.port),
        PRIVATE_STORAGE_ROOT=str(tmp_path / "private"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static-root"),
    )
    # The release step, as production runs it before the workers start (debug
    # is off: printing needs the collected static files' manifest).
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "release", "--skip-assets", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    broker_redis = redis_process(PORT, env, tmp_path / "redis.log")
    cache_redis = redis_process(CACHE_PORT, env, tmp_path / "redis-cache.log")
    workers = worker_processes(settings, env, tmp_path)
    cache_on(settings, cache_url)
    with sending_to(settings, broker, celery_config):
        broker_redis.start()
        cache_redis.start()
        time.sleep(0.5)
        supervisor = Supervisor([broker_redis, *workers.values()])  # the cache's Redis stays down
        supervisor.start()
        try:
            yield smtp, cache_redis, workers
        finally:
            supervisor.running = False
            supervisor.join(timeout=10)
            for worker in workers.values():
                worker.stop()
            cache_redis.stop()
            broker_redis.stop()
            smtp.stop()
    if os.environ.get("CHAOS_LOGS"):  # pytest prunes old tmp_paths: keep them
        shutil.copytree(tmp_path, os.environ["CHAOS_LOGS"], dirs_exist_ok=True)
    print(f"logs: {tmp_path}")


def test_rollups_stay_fresh_while_mail_hangs_and_the_cache_is_down(
    silent_mail_stack, strands, programme
):
    """Issue 25: a mail server that accepts and never answers held both worker
    slots and a savings change took 117.6 s to reach the rollups; a Redis
    cache that went down made pages answer 500. Now, with notices piling up
    against the silent mail server, a burst of board-paper prints and the
    cache's Redis killed, each savings change reaches the rollups with p95
    under a second, no request answers 500, and once mail answers every
    notice is delivered exactly once."""
    smtp, cache_redis, workers = silent_mail_stack
    councils, officer, bid_list = programme
    probe_council = CouncilFactory(gss_code="E07000949")
    scope = f"{strands['experts'].pk}:{probe_council.pk}:2015/16"
    latencies: list[float] = []
    failures: list[str] = []
    for worker in workers.values():
        worker.start()
    time.sleep(8)  # the workers are up and consuming
    requests = Requests(UserFactory(username="chaos-board", role=BOARD_MEMBER))
    requests.start()
    stop = threading.Event()

    def notices_pile_up(n: int) -> None:
        bid, applicant = bid_list[n]
        step = 0
        try:
            while not stop.is_set():
                step += 1
                try:
                    if bid.state == "in_assessment":
                        bid = bids.application_information_request(
                            application=bid, actor=officer, message=f"Question {step}"
                        )
                    else:
                        bid = bids.application_information_provide(
                            application=bid, actor=applicant, note=f"Answer {step}"
                        )
                except Exception as error:  # noqa: BLE001 - reported
                    failures.append(f"notices {n}: {type(error).__name__}: {error}")
                time.sleep(0.5)
        finally:
            close_old_connections()

    movers = [threading.Thread(target=notices_pile_up, args=(n,)) for n in range(2)]
    for mover in movers:
        mover.start()
    # A burst of board-paper prints (headless Chromium, seconds each) for the
    # printing worker, at the same time.
    papers = [
        paper_publish(
            paper=paper_create(
                actor=SYSTEM, meeting_date=f"2015-0{n + 1}-15", contact_name="Robin Example"
            ),
            actor=SYSTEM,
        ).pk
        for n in range(PRINTS)
    ]
    started = time.monotonic()
    total = Decimal(0)
    killed = restarted = False
    while time.monotonic() - started < 40:
        elapsed = time.monotonic() - started
        if elapsed > 8 and not killed:
            cache_redis.kill()  # the cache's Redis goes down for 16 s
            killed = True
        if elapsed > 24 and not restarted:
            cache_redis.start()
            restarted = True
        amount = Decimal(random.randint(1, 1000))  # noqa: S311
        facts.savings_entry_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=probe_council,
            financial_year="2015/16",
            kind="projected",
            amount=amount,
        )
        total += amount
        changed = time.monotonic()
        while True:
            rollup = Rollup.objects.filter(scope_key=scope)
            shown = rollup.values_list("projected", flat=True).first()
            if shown == total:
                latencies.append(time.monotonic() - changed)
                break
            if time.monotonic() - changed > 90:
                latencies.append(float("inf"))
                break
            time.sleep(0.01)
        time.sleep(0.4)
    stop.set()
    for mover in movers:
        mover.join()
    answers = requests.stop()
    held = smtp.held
    smtp.answer()  # the mail server answers again
    took = wait_for(converged, 4 * CONVERGE_SECONDS, "no outbox marker and every notice settled")
    rows = assert_rollups_equal_a_recompute()
    wait_for(
        lambda: not BoardPaper.objects.filter(pk__in=papers, pdf="").exists(),
        CONVERGE_SECONDS,
        "every paper printed",
    )
    printed = BoardPaper.objects.filter(pk__in=papers).exclude(pdf="").count()
    problems = set(BoardPaper.objects.filter(pk__in=papers).values_list("pdf_problem", flat=True))
    sent = sorted(
        Notice.objects.filter(status=NoticeStatus.SENT).values_list("recipient", "subject")
    )
    print(
        f"mail silent and cache down: {len(latencies)} savings changes, change-to-visible "
        f"p50 {sorted(latencies)[len(latencies) // 2]:.3f}s p95 {p95(latencies):.3f}s "
        f"max {max(latencies):.3f}s; {held} sends held by the silent mail server; "
        f"{len(sent)} notices sent {took:.0f}s after mail answered, {len(smtp.received)} "
        f"messages received; {rows} rollup rows compared; {printed} of {PRINTS} papers "
        f"printed meanwhile (problems {problems}); requests {statuses(answers)}"
    )
    assert failures == []
    assert held > 0  # the mail server did hold sends
    assert p95(latencies) < 1.0
    assert not [answer for answer in answers if answer[1] >= 500 and answer[1] != 503]
    assert all(status == 200 for name, status in answers if name == "board")
    assert any(status == 503 for name, status in answers if name == "password-reset")
    # Every notice delivered, none twice, none failed.
    assert not Notice.objects.exclude(status=NoticeStatus.SENT).exists()
    assert sorted(smtp.received) == sent
    assert all(worker.exits == [] for worker in workers.values())
