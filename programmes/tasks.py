"""Worker entry points for the core layer."""

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from programmes.models import Council, Heartbeat

WORKER = "worker"


@shared_task(ignore_result=False)
def worker_health() -> dict:
    """Answer with what the worker sees: proves broker, worker and database agree.

    Operators can run it from a shell (`worker_health.delay().get(timeout=10)`)
    to check a deployment end to end; the integration tests do the same.
    """
    return {"database": connection.vendor, "councils": Council.objects.count()}


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Every 30 seconds (beat): record that a worker took a task from the broker."""
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"beat_at": timezone.now()})


@shared_task(ignore_result=True)
def sessions_clear() -> None:
    """Nightly (beat): delete expired sessions. Signed-in sessions are rows
    (with the cached_db engine, copies in the cache too: docs/security.md,
    "Sessions"); Django never removes an expired row by itself."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
