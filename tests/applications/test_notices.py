"""Email notices are recorded with the change they tell of, sent after commit,
tried again when the mail server refuses, and never lost."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from applications import services
from programmes.notices import services as emails
from programmes.notices.models import Notice, NoticeStatus
from programmes.notices.tasks import notices_sweep
from tests.applications.bids import bid_completed

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def submit(application, actor, capture) -> None:
    with capture(execute=True):
        services.application_submit(application=application, actor=actor)


def test_each_recipient_gets_a_recorded_notice_that_is_sent(
    experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
):
    application = bid_completed(experts_call, council_a, applicant_a)
    submit(application, applicant_a, django_capture_on_commit_callbacks)
    notices = Notice.objects.order_by("recipient")
    assert [(n.recipient, n.status, n.attempts) for n in notices] == [
        ("applicant-a@example.org", NoticeStatus.SENT, 1),
        ("officer@example.org", NoticeStatus.SENT, 1),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "applicant-a@example.org",
        "officer@example.org",
    ]


def test_a_refusing_mail_server_loses_no_notice(
    experts_call,
    council_a,
    applicant_a,
    officer,
    mail_server_down,
    settings,
    django_capture_on_commit_callbacks,
):
    application = bid_completed(experts_call, council_a, applicant_a)
    submit(application, applicant_a, django_capture_on_commit_callbacks)
    notices = list(Notice.objects.all())
    assert len(notices) == 2
    for notice in notices:
        assert notice.status == NoticeStatus.RETRYING
        assert notice.attempts == 1
        assert "Connection unexpectedly closed" in notice.last_error
        assert notice.next_attempt_at > timezone.now()
    # The bid was sent all the same.
    application.refresh_from_db()
    assert application.state == "submitted"

    # The mail server is back; once the retry is due the sweep sends them.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notices_sweep() == 0  # not due yet
    Notice.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert notices_sweep() == 2
    assert set(Notice.objects.values_list("status", "attempts")) == {(NoticeStatus.SENT, 2)}
    assert len(mail.outbox) == 2


def test_a_notice_that_keeps_failing_is_marked_failed_and_can_be_sent_again(
    experts_call,
    council_a,
    applicant_a,
    officer,
    officer_client,
    mail_server_down,
    settings,
    django_capture_on_commit_callbacks,
):
    application = bid_completed(experts_call, council_a, applicant_a)
    submit(application, applicant_a, django_capture_on_commit_callbacks)
    notice = Notice.objects.get(recipient="officer@example.org")
    for _ in range(emails.MAX_ATTEMPTS - 1):
        emails.notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, emails.MAX_ATTEMPTS)
    emails.notice_deliver(notice_id=notice.pk)  # a failed notice is left alone
    notice.refresh_from_db()
    assert notice.attempts == emails.MAX_ATTEMPTS

    page = officer_client.get("/admin/notices/notice/?status__exact=failed").content.decode()
    assert "officer@example.org" in page and "Failed: gave up" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            "/admin/notices/notice/",
            {"action": "send_again", "_selected_action": [notice.pk]},
            follow=True,
        )
    assert "1 failed notice queued to send again" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert [m.to for m in mail.outbox] == [["officer@example.org"]]


def test_a_rolled_back_change_records_no_notice(
    experts_call, council_a, applicant_a, django_capture_on_commit_callbacks
):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        services.application_submit(application=application, actor=applicant_a)
    assert not Notice.objects.exists()
    assert mail.outbox == []
