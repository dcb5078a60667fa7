"""Worker entry points for savings returns. Thin: the work is in
programmes.returns.services."""

from __future__ import annotations

from celery import shared_task

from programmes.permissions import WORKER
from programmes.returns import services
from savings.tasks import RETRY


def return_reminders_run(*, dry_run: bool = False, today=None) -> list:
    """The daily returns job: make any returns the schedules now ask for, then
    send the reminders and overdue notices due. `send_return_reminders` runs
    this too; with `dry_run` it writes nothing and says what it would send."""
    if not dry_run:
        services.returns_generate(actor=WORKER)
    return services.return_reminders_send(actor=WORKER, today=today, dry_run=dry_run)


@shared_task(**RETRY)
def return_reminders() -> int:
    """Daily (beat): reminders before a return is due and notices after."""
    return len(return_reminders_run())
