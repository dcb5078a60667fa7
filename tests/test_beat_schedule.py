"""Beat's schedule: every periodic job is there, names a task the worker knows,
and runs as often as the docs promise."""

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings

from productivity.celery import app

EXPECTED = {
    "savings.tasks.rollups_sweep": timedelta(minutes=1),
    "savings.tasks.rollups_recompute_all": crontab(hour=2, minute=30),
    "programmes.returns.tasks.return_reminders": crontab(hour=7, minute=0),
    "programmes.notices.tasks.notices_sweep": timedelta(minutes=1),
    "applications.tasks.retention_anonymise": crontab(day_of_month=1, hour=3, minute=30),
    "programmes.tasks.worker_heartbeat": timedelta(seconds=30),
    "programmes.board.tasks.open_data_prepare": timedelta(minutes=1),
    "programmes.tasks.sessions_clear": crontab(hour=3, minute=0),
}


def test_every_periodic_job_is_scheduled_as_documented():
    scheduled = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert scheduled == EXPECTED


def test_every_scheduled_task_is_one_the_worker_has():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_heartbeat_is_well_inside_the_time_health_allows_it():
    from programmes.health import HEARTBEAT_STALE_AFTER

    beat = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]["schedule"]
    assert beat * 3 <= HEARTBEAT_STALE_AFTER


def test_the_nightly_clear_removes_expired_sessions_and_keeps_live_ones(db):
    from datetime import timedelta as days

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from programmes.tasks import sessions_clear

    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=now - days(1))
    Session.objects.create(session_key="current" * 4, session_data="", expire_date=now + days(1))
    sessions_clear()
    assert set(Session.objects.values_list("session_key", flat=True)) == {"current" * 4}
