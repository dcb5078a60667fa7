"""One beat at a time (programmes/beat.py): while one beat is alive, a second
schedules nothing; when the first stops (or dies and its lock expires) the
second takes over. Against Redis (database 13 of the shared server, or
BEAT_LOCK_REDIS_URL), as the broker production uses."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
import redis
from celery import Celery

from programmes.beat import LockedScheduler

URL = os.environ.get("BEAT_LOCK_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = "beat-lock-test"


def reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not reachable(), reason=f"needs Redis at {URL}")


@pytest.fixture
def app():
    # A queue (so a lock key) of each test's own: the xdist processes run
    # this file's tests at the same time, and one test's beats holding a
    # shared key made the other's first beat schedule nothing.
    queue = f"{QUEUE}-{uuid.uuid4().hex[:12]}"
    app = Celery("beat-lock-test", set_as_current=False)
    app.conf.update(
        broker_url=URL,
        task_default_queue=queue,
        beat_schedule={"often": {"task": "beat.test.often", "schedule": timedelta(seconds=0.1)}},
    )
    yield app
    redis.Redis.from_url(URL).delete(f"{queue}:beat-lock")


class Beat:
    """A scheduler as `celery beat` runs it, recording what it would queue."""

    def __init__(self, app, path, lock_seconds: float = 30) -> None:
        LockedScheduler.lock_seconds = lock_seconds
        self.scheduler = LockedScheduler(app, schedule_filename=str(path), lazy=False)
        self.sent: list[str] = []
        self.scheduler.apply_async = self._record

    def _record(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.name)
        return None

    def run(self, seconds: float) -> int:
        before = len(self.sent)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.scheduler.tick()
            time.sleep(0.05)
        return len(self.sent) - before


def test_a_second_beat_schedules_nothing_while_the_first_is_alive(app, tmp_path):
    first = Beat(app, tmp_path / "first")
    second = Beat(app, tmp_path / "second")
    assert first.run(1.0) > 0
    assert second.run(1.0) == 0
    assert first.run(0.5) > 0  # still the one that schedules
    # A clean stop hands the lock back: the second takes over at once.
    first.scheduler.close()
    assert second.run(1.0) > 0
    second.scheduler.close()


def test_the_second_takes_over_once_a_dead_beats_lock_expires(app, tmp_path):
    first = Beat(app, tmp_path / "first", lock_seconds=1.5)
    second = Beat(app, tmp_path / "second", lock_seconds=1.5)
    assert first.run(0.5) > 0
    # The first dies without a word: its lock is not refreshed any more.
    assert second.run(0.8) == 0
    started = time.monotonic()
    while second.run(0.2) == 0:
        # Ten times the lock's life: on two busy cores (the xdist run) a
        # beat's tick can take seconds; 3 s was flaky there.
        assert time.monotonic() - started < 15, "the second beat never took over"
    assert first.run(0.5) == 0  # back from the dead, it finds the lock taken
    second.scheduler.close()


def test_production_uses_the_locked_scheduler(settings):
    assert settings.CELERY_BEAT_SCHEDULER == "programmes.beat:LockedScheduler"
