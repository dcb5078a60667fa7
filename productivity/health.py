"""The portal's health, for machines and for people, composed from the checks
each layer offers (programmes.health: database, cache, worker heartbeat;
savings.health: broker, outbox).

`GET /healthz` (load balancers, monitoring) returns it as JSON, 200 when every
check is fine and 503 when one is not; the admin home shows the same facts in
words (the `portal_health` tag, registered as the template library `health`
in settings.TEMPLATES), and the board's freshness warning reads the worker and
outbox checks itself (programmes.board.selectors.freshness).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from programmes import health as core
from savings import health as money

register = template.Library()


def health_check() -> core.Health:
    """Database, Redis (broker and cache), the worker's heartbeat and the outbox, checked now."""
    now = timezone.now()
    database = core.database_check()
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    return core.Health(
        now,
        (
            database,
            money.redis_check(),
            core.cache_check(),
            core.worker_check(now=now, database_ok=database.ok, eager=eager),
            money.outbox_check(now=now, database_ok=database.ok),
        ),
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: no sign-in, no secrets; 503 when a check fails."""
    health = health_check()
    return JsonResponse(health.as_json(), status=200 if health.ok else 503)


@register.simple_tag
def portal_health() -> core.Health:
    """The /healthz checks, for the admin home."""
    return health_check()
