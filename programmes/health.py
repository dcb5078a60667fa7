"""The core's part of the portal's health, and the shape every layer's checks share.

Health is composed where the layers are wired together (productivity.health):
each layer offers the checks it can answer for, the core the database, the cache and
the worker's heartbeat (a core model), savings the broker and the outbox
(savings.health). No check reveals a secret: details are fixed phrases, never
an exception's text (a broker URL may hold a password).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet

from programmes.models import Heartbeat
from programmes.tasks import WORKER

# Beat queues a heartbeat every 30 seconds: four missed means the worker, beat
# or the broker is down.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    age_seconds: int | None = None
    # The time the check is about (the last heartbeat, the oldest change
    # waiting), for pages that say it in words; not in the JSON.
    at: datetime | None = None


@dataclass(frozen=True)
class Health:
    checked_at: datetime
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    @property
    def worker_last_seen(self) -> datetime | None:
        return self.check("worker").at

    @property
    def oldest_pending(self) -> datetime | None:
        return self.check("outbox").at

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


def age(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure is "not reachable"
        return Check("database", False, "not reachable")
    return Check("database", True, "reachable")


def cache_check() -> Check:
    """The cache (DJANGO_CACHE_URL's Redis). Down, pages still answer (they
    compute what they would have cached) and password resets are refused
    until it is back (programmes/cache.py)."""
    available = getattr(cache, "available", None)
    if available is None:
        return Check("cache", True, "not used: each process's memory")
    if not available():
        return Check("cache", False, "not reachable: pages slower, password resets refused")
    return Check("cache", True, "reachable")


def worker_check(*, now: datetime, database_ok: bool, eager: bool) -> Check:
    """The worker's last heartbeat (1 query when the database answers, so a
    page costs the same with or without a broker)."""
    last_seen = None
    if database_ok:
        last_seen = Heartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True).first()
    return worker_status(now=now, eager=eager, last_seen=last_seen)


def worker_last_seen_query() -> QuerySet[Heartbeat, Any]:
    """The worker's last heartbeat as a one-value query, for a caller that
    reads it with other values in one query (the board's freshness line)."""
    return Heartbeat.objects.filter(name=WORKER).order_by("pk").values("beat_at")[:1]


def worker_status(*, now: datetime, eager: bool, last_seen: datetime | None) -> Check:
    """`worker_check` from a heartbeat already read (None: none recorded)."""
    if eager:
        return Check("worker", True, "not used: tasks run in the web process", at=last_seen)
    if last_seen is None:
        return Check("worker", False, "no heartbeat recorded yet")
    fresh = now - last_seen <= HEARTBEAT_STALE_AFTER
    detail = "heartbeat recent" if fresh else "heartbeat late"
    return Check("worker", fresh, detail, age(now, last_seen), last_seen)
