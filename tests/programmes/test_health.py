"""GET /healthz for load balancers and monitoring, and the same facts for people:
the board's warning and the admin home."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programmes.models import Heartbeat
from programmes.tasks import worker_heartbeat
from savings.models import OutboxMarker

pytestmark = pytest.mark.django_db
DEAD_BROKER = "redis://:s3cret-password@127.0.0.1:6399/0"


@pytest.fixture
def with_broker(settings):
    """As production runs: a broker (here one that does not answer) and a worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = DEAD_BROKER


def test_healthz_answers_anyone_with_every_check(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: no broker, no worker
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "cache", "worker", "outbox"}
    assert body["checks"]["redis"]["detail"] == "not used: tasks run in the web process"


def test_an_unreachable_broker_and_no_heartbeat_fail_without_telling_secrets(client, with_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["redis"] == {"ok": False, "detail": "not reachable"}
    assert body["checks"]["worker"] == {"ok": False, "detail": "no heartbeat recorded yet"}
    assert body["checks"]["database"]["ok"] is True
    assert "s3cret" not in response.content.decode()


def test_a_late_heartbeat_and_old_outbox_marker_are_failures(
    client, with_broker, strands, council_a, monkeypatch
):
    from programmes.health import Check
    from savings import health

    monkeypatch.setattr(health, "redis_check", lambda: Check("redis", True, "reachable"))
    worker_heartbeat()
    assert client.get("/healthz").status_code == 200
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=3))
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_seconds"] >= 180

    worker_heartbeat()
    OutboxMarker.objects.create(
        strand=strands["experts"],
        council=council_a,
        financial_year="2013/14",
        marked_at=timezone.now() - timedelta(minutes=6),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"]["detail"] == "changes waiting too long"


def test_people_see_the_same_facts_on_the_board_and_the_admin_home(
    board_client, officer_client, with_broker, monkeypatch
):
    from programmes.health import Check
    from savings import health

    monkeypatch.setattr(health, "redis_check", lambda: Check("redis", True, "reachable"))
    last = timezone.now() - timedelta(minutes=10)
    Heartbeat.objects.create(name="worker", beat_at=last)
    board = board_client.get("/board/").content.decode()
    assert "The background worker that keeps these figures up to date has not reported" in board
    admin_home = officer_client.get("/admin/").content.decode()
    assert "Something needs attention" in admin_home
    assert "heartbeat late" in admin_home

    worker_heartbeat()
    assert "has not reported" not in board_client.get("/board/").content.decode()
    assert "Everything is working" in officer_client.get("/admin/").content.decode()
