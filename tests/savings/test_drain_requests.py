"""With a broker, a burst of changes queues one drain, and a failed send or a
failing Redis never loses the next change's drain.

The debounce keeps its state in Redis (savings/outbox.py). These tests run in
the first `make test` run, without a broker: a small in-memory stand-in
answers the few Redis commands the outbox uses, and the queued task is
recorded instead of sent. tests/savings/test_drain_bursts.py runs the same
rules against a real Redis in the `worker` run.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import redis
from kombu.exceptions import OperationalError

from programmes.permissions import SYSTEM
from savings import outbox, rollups
from savings.models import InvestmentSource, OutboxMarker
from savings.selectors import rollup_for
from savings.services import investment_record
from savings.tasks import rollups_drain


class FakeRedis:
    """The Redis commands savings.outbox sends, on a dict (expiry is not kept)."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.fail = False

    def _check(self) -> None:
        if self.fail:
            raise redis.ConnectionError("Redis went away")

    def set(self, key: str, value: str, nx: bool = False, ex: int | None = None) -> bool:
        self._check()
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    def exists(self, key: str) -> int:
        self._check()
        return int(key in self.data)

    def delete(self, *keys: str) -> int:
        self._check()
        return sum(self.data.pop(key, None) is not None for key in keys)

    def pipeline(self) -> FakePipeline:
        return FakePipeline(self)


class FakePipeline:
    def __init__(self, client: FakeRedis) -> None:
        self.client = client
        self.commands: list = []

    def __enter__(self) -> FakePipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.commands = []

    def incr(self, key: str) -> None:
        self.commands.append(lambda data: data.__setitem__(key, str(int(data.get(key, 0)) + 1)))

    def expire(self, key: str, seconds: int) -> None:
        self.commands.append(lambda data: True)

    def delete(self, key: str) -> None:
        self.commands.append(lambda data: data.pop(key, None) is not None)

    def getdel(self, key: str) -> None:
        self.commands.append(lambda data: data.pop(key, None))

    def execute(self) -> list:
        self.client._check()
        return [command(self.client.data) for command in self.commands]


@pytest.fixture
def broker(settings, monkeypatch) -> FakeRedis:
    """A broker configured (so not the in-process default); its Redis faked."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    fake = FakeRedis()
    monkeypatch.setattr(outbox, "redis_client", lambda: fake)
    return fake


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The drain tasks sent to the broker, with their options."""
    sent: list[dict] = []
    monkeypatch.setattr(rollups_drain, "apply_async", lambda **options: sent.append(options))
    return sent


def test_a_burst_of_changes_queues_one_drain_after_the_short_delay(broker, queued):
    for _ in range(3):
        outbox.rollups_drain_request()
    assert queued == [{"countdown": outbox.DRAIN_DELAY_SECONDS}]
    # The two folded in are counted, for the drain to tell a burst from a change.
    assert broker.data[outbox.DRAIN_COALESCED_KEY] == "2"


def test_while_a_burst_goes_on_the_next_drain_waits_longer(broker, queued):
    broker.set(outbox.DRAIN_BURST_KEY, "1")
    outbox.rollups_drain_request()
    assert queued == [{"countdown": outbox.BURST_DELAY_SECONDS}]


def test_a_failed_send_lets_the_next_change_queue_its_drain(broker, queued, monkeypatch):
    def broker_refuses(**options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(rollups_drain, "apply_async", broker_refuses)
    with pytest.raises(OperationalError):
        outbox.rollups_drain_request()
    # Otherwise every change would be folded into a drain never queued,
    # until the key expired.
    assert not broker.exists(outbox.DRAIN_PENDING_KEY)

    monkeypatch.setattr(rollups_drain, "apply_async", lambda **options: queued.append(options))
    outbox.rollups_drain_request()
    assert queued == [{"countdown": outbox.DRAIN_DELAY_SECONDS}]


@pytest.mark.parametrize(
    ("folded_in", "burst"),
    [(outbox.BURST_COALESCED, True), (outbox.BURST_COALESCED - 1, False)],
)
def test_the_drain_starting_lets_changes_queue_again_and_notes_a_burst(
    broker, queued, folded_in, burst
):
    outbox.rollups_drain_request()
    for _ in range(folded_in):
        outbox.rollups_drain_request()
    outbox.drain_pending_clear()  # the queued drain starts

    assert not broker.exists(outbox.DRAIN_PENDING_KEY)
    assert not broker.exists(outbox.DRAIN_COALESCED_KEY)
    assert bool(broker.exists(outbox.DRAIN_BURST_KEY)) is burst
    outbox.rollups_drain_request()  # a change after the drain started
    assert len(queued) == 2


def test_a_redis_failure_as_the_drain_starts_is_logged_and_the_drain_goes_on(broker, caplog):
    broker.set(outbox.DRAIN_PENDING_KEY, "1")
    broker.fail = True
    with caplog.at_level(logging.WARNING, logger="savings.outbox"):
        outbox.drain_pending_clear()
    assert "Could not clear the drain-pending key" in caplog.text


@pytest.mark.django_db
def test_a_save_with_a_broker_queues_its_drain_after_commit(
    broker, queued, strands, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        investment_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council_a,
            source=InvestmentSource.LGA_GRANT,
            financial_year="2012/13",
            amount=Decimal("6000"),
        )
    assert queued == [{"countdown": outbox.DRAIN_DELAY_SECONDS}]
    # Not drained here: the worker does that when the task arrives.
    assert OutboxMarker.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_marking_outside_the_services_transaction_is_refused():
    # A marker committed apart from its fact could be drained before the
    # fact is saved, or left behind by a fact that failed.
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        outbox.outbox_mark([(1, 1, "2013/14")])


@pytest.mark.django_db
def test_the_full_recompute_clears_the_markers_it_covered(strands, council_a):
    # In the test's transaction nothing is committed, so the drain after
    # commit never runs: the change's marker waits, as for a lost task.
    investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=Decimal("6000"),
    )
    assert OutboxMarker.objects.count() == 1

    rollups.recompute_all()

    assert rollup_for(strand=strands["experts"], council=council_a).investment == Decimal("6000")
    # Left behind, it would show as changes waiting too long (/healthz).
    assert not OutboxMarker.objects.exists()
