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
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery, current_app
from django.db import close_old_connections, connection

from applications import services as bids
from programmes.notices.models import Notice, NoticeStatus
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT, OFFICER
from savings import rollups
from savings import services as facts
from savings.models import InvestmentSource, OutboxMarker, Rollup, SavingsEntry
from tests.applications.bids import bid_in_assessment
from tests.factories import CallFactory, CouncilFactory, UserFactory

PORT = 6393
RESTART_SECONDS = 2  # deploy/systemd: RestartSec=2
CONVERGE_SECONDS = 120
THREADS = 4
EDITS_PER_THREAD = 75
YEARS = ["2012/13", "2013/14", "2014/15"]
FIELDS = [f.name for f in Rollup._meta.fields if f.name not in {"id", "computed_at"}]
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


@pytest.fixture
def stack(tmp_path, settings, celery_config):
    """A private Redis and a worker with beat, both supervised."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    broker = f"redis://127.0.0.1:{PORT}/0"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    redis = Supervised(
        "redis",
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1"]
        + ["--save", "", "--appendonly", "no"],
        env,
        tmp_path / "redis.log",
    )
    worker = Supervised(
        "worker",
        [sys.executable, "-m", "celery", "-A", "productivity", "worker", "--beat"]
        + ["--loglevel=INFO", f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE}"]
        + ["--concurrency=2", f"--schedule={tmp_path / 'beat-schedule'}"],
        env,
        tmp_path / "worker.log",
    )
    # This process sends its drain requests and notices to the private Redis too.
    settings.CELERY_BROKER_URL = broker
    previous_app = current_app._get_current_object()
    app = Celery("chaos-sender")
    app.config_from_object({**celery_config, "broker_url": broker, "result_backend": None})
    redis.start()
    time.sleep(0.5)
    supervisor = Supervisor([redis, worker])
    supervisor.start()
    yield redis, worker
    supervisor.running = False
    supervisor.join(timeout=10)
    worker.stop()
    redis.stop()
    previous_app.set_current()
    print(f"worker log: {tmp_path / 'worker.log'}")


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


def burst(strands, councils, officer, bid_list) -> tuple[list[threading.Thread], list, list]:
    """Edits from several threads: savings and investment facts created, moved and
    deleted, and bids sent back and forth (each move a notice)."""
    failures: list[str] = []
    done = [0]
    lock = threading.Lock()

    def officer_at_work(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 - a repeatable test, not security
        mine: list[int] = []
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
                    if choice < 0.45 or not mine:
                        entry = facts.savings_entry_record(
                            actor=SYSTEM,
                            **scope,
                            kind="projected",
                            amount=Decimal(rng.randint(1, 10_000)),
                        )
                        mine.append(entry.pk)
                    elif choice < 0.7:
                        entry = SavingsEntry.objects.get(pk=rng.choice(mine))
                        facts.savings_entry_update(actor=SYSTEM, entry=entry, **scope)
                    elif choice < 0.8:
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


def assert_rollups_equal_a_recompute() -> int:
    drained = sorted(Rollup.objects.values_list(*FIELDS))
    rollups.recompute_all()
    assert sorted(Rollup.objects.values_list(*FIELDS)) == drained
    return len(drained)


def test_edits_survive_redis_and_the_worker_being_killed(stack, strands, programme):
    redis, worker = stack
    councils, officer, bid_list = programme
    worker.start()
    time.sleep(8)  # the worker is up and consuming
    threads, failures, done = burst(strands, councils, officer, bid_list)
    started = time.monotonic()
    outages = []
    for at, victim in [(4, redis), (9, worker), (15, redis)]:
        time.sleep(max(0.0, started + at - time.monotonic()))
        victim.kill()
        outages.append((at, victim.name))
    for thread in threads:
        thread.join()
    last_edit = time.monotonic()

    took = wait_for(converged, CONVERGE_SECONDS, "no outbox marker and every notice settled")
    rows = assert_rollups_equal_a_recompute()
    notices = Notice.objects.count()
    print(
        f"chaos: {done[0]} edits, outages {outages}, converged {took:.0f}s after the last edit "
        f"({time.monotonic() - last_edit:.0f}s), {rows} rollup rows compared, {notices} notices "
        f"({Notice.objects.filter(status=NoticeStatus.SENT).count()} sent), "
        f"worker exits {worker.exits}, redis exits {redis.exits}"
    )
    assert failures == []
    assert done[0] == THREADS * EDITS_PER_THREAD
    assert notices > 0
    assert not Notice.objects.exclude(status__in=[NoticeStatus.SENT, NoticeStatus.FAILED]).exists()
    # The worker exited once, when it was killed, never because Redis went away.
    assert worker.exits == [-signal.SIGKILL]
    assert len(redis.exits) == 2


def test_edits_made_while_the_worker_is_down_reach_the_rollups_when_it_starts(
    stack, strands, programme
):
    redis, worker = stack
    councils, officer, bid_list = programme
    threads, failures, done = burst(strands, councils, officer, bid_list)
    for thread in threads:
        thread.join()
    assert OutboxMarker.objects.exists()
    worker.start()
    took = wait_for(converged, CONVERGE_SECONDS, "no outbox marker and every notice settled")
    rows = assert_rollups_equal_a_recompute()
    print(
        f"worker down for the burst: {done[0]} edits, "
        f"converged {took:.0f}s after it started, {rows} rollup rows compared"
    )
    assert failures == []
    assert worker.exits == []
