"""Worker entry points for bids: sending email notices, and retention. Thin:
the work is in `applications.emails` and `applications.retention`."""

from __future__ import annotations

from celery import shared_task

from applications import emails, retention
from applications.models import NoticeStatus
from programmes.permissions import RETENTION
from savings.tasks import RETRY


@shared_task(bind=True)
def notice_send(self, notice_id: int) -> str | None:
    """Send one notice; after a failure, queue the next try at its backoff."""
    notice = emails.notice_deliver(notice_id=notice_id)
    if notice is None:
        return None
    if notice.status == NoticeStatus.RETRYING and not self.request.is_eager:
        delay = emails.retry_delay(notice.attempts).total_seconds()
        notice_send.apply_async((notice_id,), countdown=delay)
    return notice.status


@shared_task
def notices_sweep() -> int:
    """Every minute (beat): send notices whose own task was lost or is overdue."""
    due = emails.notices_due()
    for notice_id in due:
        emails.notice_deliver(notice_id=notice_id)
    return len(due)


@shared_task(**RETRY)
def retention_anonymise() -> dict:
    """Monthly (beat): remove personal data from old closed bids and
    deactivated accounts. Each record is its own transaction and is marked
    done, so a retry after a database hiccup carries on where it stopped."""
    return retention.anonymise(actor=RETENTION).as_dict()


@shared_task(**RETRY)
def panel_pack_print(pks: list[int], name: str) -> str:
    """Print a panel pack's PDF (queued by the bid list's action)."""
    from applications.panel_pack import panel_pack_print as print_pack

    return print_pack(pks=pks, name=name)
