"""Queues by kind of work (docs/worker.md, "Queues"): every task goes to the
queue of its kind, by name, so the rollups never wait behind mail or
printing; and the names the tasks will have once notices, savings returns
and printing become core services route the same way."""

import pytest
from django.conf import settings

from productivity.celery import app

QUEUES = settings.WORKER_QUEUES


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("savings.tasks.rollups_drain", "rollups"),
        ("savings.tasks.rollups_sweep", "rollups"),
        ("savings.tasks.rollups_recompute_all", "housekeeping"),
        ("savings.tasks.return_reminders", "notices"),
        ("applications.tasks.notice_send", "notices"),
        ("applications.tasks.notices_sweep", "notices"),
        ("applications.tasks.retention_anonymise", "housekeeping"),
        ("applications.tasks.panel_pack_print", "printing"),
        ("programmes.board.tasks.board_paper_print", "printing"),
        ("programmes.board.tasks.open_data_prepare", "housekeeping"),
        ("programmes.tasks.worker_heartbeat", "housekeeping"),
        ("programmes.tasks.worker_health", "housekeeping"),
        # After the moves (the lead's layering work).
        ("programmes.notices.tasks.notice_send", "notices"),
        ("programmes.notices.tasks.notices_sweep", "notices"),
        ("programmes.returns.tasks.return_reminders", "notices"),
        ("programmes.printing.tasks.board_paper_print", "printing"),
    ],
)
def test_each_task_goes_to_the_queue_of_its_kind(task, kind):
    assert queue_of(task) == QUEUES[kind]


def test_every_task_the_worker_knows_has_a_queue_of_a_known_kind():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert len(ours) >= 10
    for name in ours:
        assert queue_of(name) in QUEUES.values(), name


def test_the_rollups_queue_takes_nothing_but_rollups():
    app.loader.import_default_modules()
    on_rollups = sorted(name for name in app.tasks if queue_of(name) == QUEUES["rollups"])
    assert on_rollups == ["savings.tasks.rollups_drain", "savings.tasks.rollups_sweep"]
