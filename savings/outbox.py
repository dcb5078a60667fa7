"""The transactional outbox: marking scopes dirty and asking for a drain.

`outbox_mark()` runs inside the service's transaction, so a fact and its
marker commit or roll back together: no change can reach the database without
leaving a marker. After commit, `rollups_drain_request()` asks the worker to
drain. If the broker is down that request fails, but the save has already
committed and the marker keeps the scope until the beat sweep (every minute)
or the next successful request drains it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from savings.models import OutboxMarker

logger = logging.getLogger(__name__)

Scope = tuple[int, int, str]  # (strand id, council id, financial year)

# Set while a drain task is queued and not yet started: a burst of changes
# queues one task, not one per change. The task deletes the key before it
# reads the outbox, so a change made after that queues the next task. The
# expiry only matters if a queued task is lost; the sweep covers that case.
DRAIN_PENDING_KEY = "savings:rollups:drain-pending"
DRAIN_PENDING_TTL = 120
# The queued drain waits this long before it starts, so that the changes of
# one burst (an import, a bulk action, many officers at once) share one
# recompute. Short enough to keep change-to-visible latency well under 1 s.
DRAIN_DELAY_SECONDS = 0.25
# In a burst the drain waits longer, so a long burst costs few recomputes
# (at most 0.05 a change; docs/savings.md). A burst is when at least
# BURST_COALESCED changes were folded into the last pending drain; the
# longer wait then holds for BURST_SECONDS after the last such drain, so a
# single change after a quiet spell is visible within DRAIN_DELAY_SECONDS.
DRAIN_COALESCED_KEY = "savings:rollups:drain-coalesced"
DRAIN_BURST_KEY = "savings:rollups:burst"
BURST_COALESCED = 5
BURST_DELAY_SECONDS = 1.5
BURST_SECONDS = 10

_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis:
    url = settings.CELERY_BROKER_URL
    assert url, "redis_client() is only used with a broker configured"
    if url not in _clients:
        # Short timeouts: a user's request must not hang on a dead broker.
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    return _clients[url]


def outbox_mark(scopes: Iterable[Scope]) -> None:
    """Mark scopes dirty in the caller's transaction and ask for a drain after commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_mark() must run inside the service's transaction")
    # Insert only, one row per scope: never an upsert on an existing row, so
    # no save ever waits on another's marker (see OutboxMarker).
    now = timezone.now()
    OutboxMarker.objects.bulk_create(
        OutboxMarker(strand_id=strand_id, council_id=council_id, financial_year=year, marked_at=now)
        for strand_id, council_id, year in sorted(set(scopes))
    )
    # A named function, not a functools.partial: Django 5.2 crashes logging a
    # failing partial (ticket #36487). robust=True: a dead broker is logged,
    # never a 500 for a save that has committed.
    # Once per transaction: an import of 500 rows asks for one drain. (A
    # callback registered inside a savepoint that rolls back is discarded by
    # Django, so this check then finds nothing and registers again.)
    if not any(entry[1] is rollups_drain_request for entry in connection.run_on_commit):
        transaction.on_commit(rollups_drain_request, robust=True)


def rollups_drain_request() -> None:
    """Ask for a drain: in-process without a broker, else one queued task per burst."""
    # Start-up order: the task module imports this one (a task runs this
    # code; this code queues the task), so the task is imported when used.
    from savings.tasks import rollups_drain

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded default: the same drain, run here after the commit.
        rollups_drain.apply(throw=True)
        return
    client = redis_client()
    if not client.set(DRAIN_PENDING_KEY, "1", nx=True, ex=DRAIN_PENDING_TTL):
        # A drain is already queued and will see this change; count it, so
        # that the drain can tell a burst from a single change.
        with client.pipeline() as pipe:
            pipe.incr(DRAIN_COALESCED_KEY)
            pipe.expire(DRAIN_COALESCED_KEY, DRAIN_PENDING_TTL)
            pipe.execute()
        return
    try:
        rollups_drain.apply_async(countdown=drain_delay(client))
    except Exception:
        client.delete(DRAIN_PENDING_KEY)
        raise


def drain_delay(client: redis.Redis) -> float:
    """How long the next drain waits: longer while a burst is going on."""
    return BURST_DELAY_SECONDS if client.exists(DRAIN_BURST_KEY) else DRAIN_DELAY_SECONDS


def drain_pending_clear() -> None:
    """Called by the task before it reads the outbox (see DRAIN_PENDING_KEY)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        client = redis_client()
        with client.pipeline() as pipe:
            pipe.delete(DRAIN_PENDING_KEY)
            pipe.getdel(DRAIN_COALESCED_KEY)
            _, coalesced = pipe.execute()
        if int(coalesced or 0) >= BURST_COALESCED:
            client.set(DRAIN_BURST_KEY, "1", ex=BURST_SECONDS)
    except redis.RedisError:
        logger.warning("Could not clear the drain-pending key; it expires by itself")
