"""The portal's health, for machines and for people: one selector.

`GET /healthz` (load balancers, monitoring) returns it as JSON, 200 when every
check is fine and 503 when one is not; the board's freshness warning and the
admin home show the same facts in words. No check reveals a secret: details
are fixed phrases, never an exception's text (a broker URL may hold a password).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from programmes.models import Heartbeat
from programmes.tasks import WORKER

# Beat queues a heartbeat every 30 seconds: four missed means the worker, beat
# or the broker is down.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)
# A change not in the rollups after this long means the worker is behind or
# down: the board says so.
OUTBOX_STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    age_seconds: int | None = None


@dataclass(frozen=True)
class Health:
    checked_at: datetime
    checks: tuple[Check, ...]
    worker_last_seen: datetime | None
    oldest_pending: datetime | None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def as_json(self) -> dict:
        return {
            "status": "ok" if self.ok else "failing",
            "checked_at": self.checked_at.isoformat(),
            "checks": {
                check.name: {
                    "ok": check.ok,
                    "detail": check.detail,
                    **({} if check.age_seconds is None else {"age_seconds": check.age_seconds}),
                }
                for check in self.checks
            },
        }


def _age(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure is "not reachable"
        return Check("database", False, "not reachable")
    return Check("database", True, "reachable")


def _redis() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("redis", True, "not used: tasks run in the web process")
    from savings.outbox import redis_client

    try:
        redis_client().ping()
    except Exception:  # noqa: BLE001
        return Check("redis", False, "not reachable")
    return Check("redis", True, "reachable")


def _cache() -> Check:
    """The cache (DJANGO_CACHE_URL's Redis). Down, pages still answer (they
    compute what they would have cached) and password resets are refused
    until it is back (programmes/cache.py)."""
    from django.core.cache import cache

    available = getattr(cache, "available", None)
    if available is None:
        return Check("cache", True, "not used: each process's memory")
    if not available():
        return Check("cache", False, "not reachable: pages slower, password resets refused")
    return Check("cache", True, "reachable")


def health_check() -> Health:
    """Database, Redis (broker and cache), the worker's heartbeat and the outbox, checked now."""
    from savings.selectors import outbox_oldest_pending

    now = timezone.now()
    database = _database()
    last_seen = oldest = None
    if database.ok:
        last_seen = Heartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True).first()
        oldest = outbox_oldest_pending()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        worker = Check("worker", True, "not used: tasks run in the web process")
    elif last_seen is None:
        worker = Check("worker", False, "no heartbeat recorded yet")
    else:
        age = _age(now, last_seen)
        fresh = now - last_seen <= HEARTBEAT_STALE_AFTER
        worker = Check("worker", fresh, "heartbeat recent" if fresh else "heartbeat late", age)
    if oldest is None:
        outbox = Check("outbox", database.ok, "empty" if database.ok else "unknown")
    else:
        fresh = now - oldest <= OUTBOX_STALE_AFTER
        outbox = Check(
            "outbox", fresh, "draining" if fresh else "changes waiting too long", _age(now, oldest)
        )
    return Health(now, (database, _redis(), _cache(), worker, outbox), last_seen, oldest)
