"""Every email the portal sends is a notice: recorded, then delivered with retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    RETRYING = "retrying", "Failed, trying again"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: gave up"


class LinkKind(models.TextChoices):
    """A notice whose email carries a one-time link. The link's token is never
    stored: the body holds a placeholder, and a fresh token is made when the
    email is sent (programmes.notices.services.LINK_MAKERS)."""

    NONE = "", "No one-time link"
    INVITATION = "invitation", "Invitation link"
    PASSWORD_RESET = "password_reset", "Password reset link"


class Notice(models.Model):
    """One email, to one person, recorded before it is sent.

    The row is written in the transaction of the change it tells of, so a
    rolled-back change sends nothing and a committed one cannot lose its
    notice: the worker sends it with retries and backoff, and a beat sweep
    sends any whose task was lost (a broker outage). Officers see every
    notice, and what became of it, in the admin.

    What the notice is about: a bid and its event (declared by name: the core
    never imports the bids app), an invitation, or an account (a password
    reset). The table kept its name when notices moved to the core.
    """

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="notices",
        null=True,
        blank=True,
    )
    event = models.ForeignKey(
        "applications.ApplicationEvent",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    invitation = models.ForeignKey(
        "programmes.Invitation",
        on_delete=models.SET_NULL,
        related_name="notices",
        null=True,
        blank=True,
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    link_kind = models.CharField(max_length=20, choices=LinkKind.choices, default="", blank=True)
    audience = models.CharField(max_length=20)
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next try is due; the sweep sends what is due and unsent.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "applications_notice"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep: WHERE status IN (pending, retrying) AND next_attempt_at <= now.
            models.Index(fields=["status", "next_attempt_at"], name="notice_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipient} ({self.get_status_display().lower()})"

    @property
    def delivery(self) -> str:
        """What became of the email, in words for the person who asked for it."""
        if self.status == NoticeStatus.SENT:
            return "Email sent"
        if self.status == NoticeStatus.FAILED:
            return "Email not sent: send it again"
        if self.status == NoticeStatus.RETRYING:
            return "Email not sent yet: trying again"
        return "Email waiting to send"
