"""The savings engine's part of the portal's health: the broker its worker
tasks go through, and the outbox of changes not yet in the rollups
(composed with the others by productivity.health)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from programmes.health import Check, age
from savings.outbox import redis_client
from savings.selectors import outbox_oldest_pending

# A change not in the rollups after this long means the worker is behind or
# down: the board says so.
OUTBOX_STALE_AFTER = timedelta(minutes=5)


def redis_check() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("redis", True, "not used: tasks run in the web process")
    try:
        redis_client().ping()
    except Exception:  # noqa: BLE001 - any failure is "not reachable"
        return Check("redis", False, "not reachable")
    return Check("redis", True, "reachable")


def outbox_check(*, now: datetime, database_ok: bool) -> Check:
    """The oldest change waiting for the rollups (1 query when the database answers)."""
    if not database_ok:
        return Check("outbox", False, "unknown")
    return outbox_status(now=now, oldest=outbox_oldest_pending())


def outbox_status(*, now: datetime, oldest: datetime | None) -> Check:
    """`outbox_check` from the oldest change already read (None: all caught up)."""
    if oldest is None:
        return Check("outbox", True, "empty")
    fresh = now - oldest <= OUTBOX_STALE_AFTER
    detail = "draining" if fresh else "changes waiting too long"
    return Check("outbox", fresh, detail, age(now, oldest), oldest)
