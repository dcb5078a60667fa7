"""Email notices of bid events, to the council's users or to the LGA officers.

Each notice is a `Notice` row, one per recipient, written in the transaction
of the change it tells of: a rolled-back change sends nothing, and a committed
one cannot lose its notice. After commit the worker sends it
(`applications.tasks.notice_send`); a mail server that refuses is tried again
with a growing delay, up to MAX_ATTEMPTS, then the notice is marked failed for
an officer to see (and send again) in the admin. Without a broker the send
runs in-process after commit. A notice whose task was lost (a broker outage)
is sent by the beat sweep `notices_sweep`. Delivery is at least once: a worker
killed between sending and recording may send a notice twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from applications.models import Notice, NoticeStatus
from programmes.models import User
from programmes.roles import OFFICER

logger = logging.getLogger(__name__)

COUNCIL = "council"
OFFICERS = "officers"
MAX_ATTEMPTS = 8
# A notice still unsent this long after it was due has lost its task.
SWEEP_GRACE = timedelta(minutes=1)


def recipients(application, audience: str) -> list[str]:
    if audience == COUNCIL:
        users = User.objects.filter(council_id=application.lead_council_id, is_active=True)
    else:
        users = User.objects.filter(groups__name=OFFICER, is_active=True)
    return sorted({user.email for user in users if user.email})


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def notice_queue(*, application, event, audience: str, subject: str) -> list[Notice]:
    """Record the notice for each recipient; send each once the transaction commits."""
    body = render_to_string(
        "applications/emails/notice.txt",
        {
            "application": application,
            "event": event,
            "audience": audience,
            "service_name": settings.SERVICE_NAME,
        },
    )
    return notices_record(
        application=application, event=event, audience=audience, subject=subject, body=body
    )


def notices_record(
    *, application, audience: str, subject: str, body: str, event=None
) -> list[Notice]:
    """Record a notice with this text for each recipient of the audience, in
    the caller's transaction; send each once it commits. Bid events and
    savings returns (savings.services) both tell people through this."""
    to = recipients(application, audience)
    if not to:
        return []
    notices = Notice.objects.bulk_create(
        [
            Notice(
                application=application,
                event=event,
                audience=audience,
                recipient=address,
                subject=subject[:200],
                body=body,
            )
            for address in to
        ]
    )
    _send_after_commit([notice.pk for notice in notices])
    return notices


def _send_after_commit(notice_ids: list[int]) -> None:
    """Queue a send per notice once the transaction commits. robust: a broker
    that is down is logged, and the sweep sends the notices later."""

    def send_notices() -> None:
        from applications.tasks import notice_send

        for notice_id in notice_ids:
            notice_send.delay(notice_id)

    transaction.on_commit(send_notices, robust=True)


@transaction.atomic
def notice_deliver(*, notice_id: int) -> Notice | None:
    """Send one notice if it is still unsent; record what happened.

    The row lock makes the task and the sweep take turns: whichever comes
    second finds the notice sent and leaves it."""
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None or notice.status in (NoticeStatus.SENT, NoticeStatus.FAILED):
        return notice
    notice.attempts += 1
    now = timezone.now()
    try:
        send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.recipient])
    except Exception as error:  # noqa: BLE001 - any failure to send is recorded
        notice.last_error = f"{type(error).__name__}: {error}"[:2000]
        if notice.attempts >= MAX_ATTEMPTS:
            notice.status = NoticeStatus.FAILED
            logger.error("Notice %s failed for good: %s", notice.pk, notice.last_error)
        else:
            notice.status = NoticeStatus.RETRYING
            notice.next_attempt_at = now + retry_delay(notice.attempts)
            logger.warning("Notice %s not sent, will retry: %s", notice.pk, notice.last_error)
    else:
        notice.status = NoticeStatus.SENT
        notice.sent_at = now
        notice.last_error = ""
    notice.save()
    return notice


def notices_due(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notice.objects.filter(
            status__in=[NoticeStatus.PENDING, NoticeStatus.RETRYING],
            next_attempt_at__lte=now - SWEEP_GRACE,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def notices_resend(*, notice_ids: list[int]) -> int:
    """An officer sends failed notices again: they get a fresh set of tries."""
    count = Notice.objects.filter(pk__in=notice_ids, status=NoticeStatus.FAILED).update(
        status=NoticeStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    _send_after_commit(list(notice_ids))
    return count
