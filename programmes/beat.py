"""One beat at a time (issue 25): a lock in Redis that the beat holding it
refreshes while it is alive.

Two beats (a second unit started by mistake, a deploy overlapping the old
one) would both queue every periodic task. With `CELERY_BEAT_SCHEDULER` set
to `LockedScheduler`, a beat schedules only while it holds the key
`<CELERY_QUEUE>:beat-lock` in the broker's Redis: it takes the key with an
expiry (`LOCK_SECONDS`) and refreshes it on every tick (ticks are at most
`LOCK_SECONDS / 3` apart), so a second beat finds it taken and schedules
nothing; it tries again each tick and takes over within `LOCK_SECONDS` of
the first one dying (a clean stop hands the key back at once). While Redis
is unreachable no beat holds the lock, which loses nothing: nothing can be
queued then anyway, and the sweeps repair what was missed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LOCK_SECONDS = 30

# Refresh the key only if this beat still holds it (atomically), and hand it
# back only if it is ours.
_REFRESH = (
    "if redis.call('get', KEYS[1]) == ARGV[1] "
    "then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] "
    "then return redis.call('del', KEYS[1]) else return 0 end"
)


class BeatLock:
    """The lock itself: `hold()` takes or refreshes it, `release()` hands it back."""

    def __init__(self, url: str, key: str, seconds: float = LOCK_SECONDS) -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.key = key
        self.milliseconds = int(seconds * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.held: bool | None = None  # not tried yet: the first answer is logged

    def hold(self) -> bool:
        try:
            if self.client.set(self.key, self.token, nx=True, px=self.milliseconds):
                held = True
            else:
                held = bool(
                    self.client.eval(_REFRESH, 1, self.key, self.token, str(self.milliseconds))
                )
        except redis.RedisError as error:
            logger.warning(
                "Beat lock: Redis unreachable (%s); scheduling nothing", type(error).__name__
            )
            held = False
        if held != self.held:
            logger.warning(
                "Beat lock %s: %s",
                "taken" if held else "lost or held by another beat",
                "this beat schedules" if held else "this beat schedules nothing until it is free",
            )
        self.held = held
        return held

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # if not, it expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.token)
        self.held = False


class LockedScheduler(PersistentScheduler):
    """Celery's persistent scheduler, scheduling only while it holds the beat lock."""

    lock_seconds: float = LOCK_SECONDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        url = self.app.conf.broker_url or ""
        self.lock: BeatLock | None = None
        if url.startswith(("redis://", "rediss://", "unix://")):
            prefix = self.app.conf.get("task_default_queue") or "productivity"
            self.lock = BeatLock(url, f"{prefix}:beat-lock", self.lock_seconds)

    def tick(self, *args, **kwargs) -> float:
        refresh = self.lock_seconds / 3
        if self.lock is not None and not self.lock.hold():
            return refresh
        return min(super().tick(*args, **kwargs), refresh)

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
        super().close()
