"""Worker entry points for rollups. Thin: the work is in `savings.rollups`.

Retries with backoff are safe because every recompute is idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from savings import rollups
from savings.models import RollupRun
from savings.outbox import drain_pending_clear

# Database hiccups (a failover, a dropped connection) are retried.
RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}
RUN_LOG_DAYS = 7


@shared_task(**RETRY)
def rollups_drain() -> int:
    """Recompute the scopes the outbox marks dirty; queued after each change."""
    drain_pending_clear()
    return rollups.drain()


@shared_task(**RETRY)
def rollups_sweep() -> int:
    """Every minute (beat): drain whatever markers are left, e.g. from changes
    saved while the broker was unreachable or whose task was lost."""
    return rollups.drain()


@shared_task(**RETRY)
def rollups_recompute_all() -> int:
    """Nightly (beat): rebuild every rollup from the facts, and prune the run log."""
    rows = rollups.recompute_all()
    RollupRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=RUN_LOG_DAYS)).delete()
    return rows
