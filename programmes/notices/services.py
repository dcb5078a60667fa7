"""Notices: every email the portal sends, recorded and then delivered.

Each notice is a `Notice` row, one per recipient, written in the transaction
of the change it tells of: a rolled-back change sends nothing, and a committed
one cannot lose its notice. After commit the worker sends it
(`programmes.notices.tasks.notice_send`); a mail server that refuses is tried
again with a growing delay, up to MAX_ATTEMPTS, then the notice is marked
failed for an officer to see (and send again) in the admin. Without a broker
the send runs in-process after commit. A notice whose task was lost (a broker
outage) is sent by the beat sweep `notices_sweep`. Delivery is at least once:
a worker killed between sending and recording may send a notice twice.

Bid events (applications.emails), savings returns, invitations and password
resets (programmes.accounts, programmes.forms) all send through here. An
email with a one-time link (an invitation, a password reset) is recorded with
a placeholder where the token goes; the token is made when the email is sent
(`LINK_MAKERS`), so no usable link is ever stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from programmes.notices.models import LinkKind, Notice, NoticeStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A notice still unsent this long after it was due has lost its task.
SWEEP_GRACE = timedelta(minutes=1)
# Where a one-time link's token goes in a recorded body.
TOKEN_PLACEHOLDER = "__one_time_token__"  # noqa: S105 - a placeholder, not a secret


class LinkUnavailable(Exception):
    """The one-time link can no longer be made (the invitation was withdrawn
    or accepted, the account switched off): the notice is not sent."""


# LinkKind value -> maker(notice) returning a fresh token, or raising
# LinkUnavailable. Registered by the module that owns the link
# (programmes.accounts), at import.
LINK_MAKERS: dict[str, Callable[[Notice], str]] = {}


def link_maker(kind: str) -> Callable[[Callable[[Notice], str]], Callable[[Notice], str]]:
    def register(maker: Callable[[Notice], str]) -> Callable[[Notice], str]:
        LINK_MAKERS[kind] = maker
        return maker

    return register


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def notices_record(
    *,
    recipients: Iterable[str],
    subject: str,
    body: str,
    audience: str = "",
    application=None,
    event=None,
    invitation=None,
    account=None,
    link_kind: str = LinkKind.NONE,
) -> list[Notice]:
    """Record a notice with this text for each recipient, in the caller's
    transaction; send each once it commits."""
    if link_kind and TOKEN_PLACEHOLDER not in body:
        raise ValueError("a notice with a one-time link needs TOKEN_PLACEHOLDER in its body")
    to = sorted({address for address in recipients if address})
    if not to:
        return []
    notices = Notice.objects.bulk_create(
        [
            Notice(
                application=application,
                event=event,
                invitation=invitation,
                account=account,
                link_kind=link_kind,
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
        # Start-up order: the task module imports this one (a task runs this
        # code; this code queues the task), so the task is imported when used.
        from programmes.notices.tasks import notice_send

        for notice_id in notice_ids:
            notice_send.delay(notice_id)

    transaction.on_commit(send_notices, robust=True)


def _body(notice: Notice) -> str:
    if not notice.link_kind:
        return notice.body
    token = LINK_MAKERS[notice.link_kind](notice)
    return notice.body.replace(TOKEN_PLACEHOLDER, token)


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
        body = _body(notice)
    except LinkUnavailable as reason:
        notice.status = NoticeStatus.FAILED
        notice.last_error = f"Not sent: {reason}"
        notice.save()
        return notice
    try:
        send_mail(notice.subject, body, settings.DEFAULT_FROM_EMAIL, [notice.recipient])
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


def notices_replace(**about) -> int:
    """Emails about this (e.g. `invitation=...`) still waiting to go are not
    sent: a newer one replaces them (a resent invitation)."""
    return Notice.objects.filter(
        status__in=[NoticeStatus.PENDING, NoticeStatus.RETRYING], **about
    ).update(status=NoticeStatus.FAILED, last_error="Not sent: replaced by a newer email")


@transaction.atomic
def notices_resend(*, notice_ids: list[int]) -> int:
    """Failed notices sent again: they get a fresh set of tries."""
    count = Notice.objects.filter(pk__in=notice_ids, status=NoticeStatus.FAILED).update(
        status=NoticeStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    _send_after_commit(list(notice_ids))
    return count
