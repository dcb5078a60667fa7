"""Worker entry points for notices. Thin: the work is in programmes.notices.services."""

from __future__ import annotations

from celery import shared_task

from programmes.notices import services
from programmes.notices.models import NoticeStatus


@shared_task(bind=True)
def notice_send(self, notice_id: int) -> str | None:
    """Send one notice; after a failure, queue the next try at its backoff."""
    notice = services.notice_deliver(notice_id=notice_id)
    if notice is None:
        return None
    if notice.status == NoticeStatus.RETRYING and not self.request.is_eager:
        delay = services.retry_delay(notice.attempts).total_seconds()
        notice_send.apply_async((notice_id,), countdown=delay)
    return notice.status


@shared_task
def notices_sweep() -> int:
    """Every minute (beat): send notices whose own task was lost or is overdue."""
    due = services.notices_due()
    for notice_id in due:
        services.notice_deliver(notice_id=notice_id)
    return len(due)
