"""Email notices of bid events, to the council's users or to the LGA officers.

Sent with Django's email (the console backend in the demo), after the
transaction that made the change commits: a rolled-back change sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string

from programmes.models import User
from programmes.roles import OFFICER

COUNCIL = "council"
OFFICERS = "officers"


def recipients(application, audience: str) -> list[str]:
    if audience == COUNCIL:
        users = User.objects.filter(council_id=application.lead_council_id, is_active=True)
    else:
        users = User.objects.filter(groups__name=OFFICER, is_active=True)
    return sorted({user.email for user in users if user.email})


def notice_queue(*, application, event, audience: str, subject: str) -> None:
    """Send the notice once the current transaction commits."""
    to = recipients(application, audience)
    if not to:
        return
    body = render_to_string(
        "applications/emails/notice.txt",
        {
            "application": application,
            "event": event,
            "audience": audience,
            "service_name": settings.SERVICE_NAME,
        },
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to]

    def send_notice() -> None:
        send_mass_mail(messages, fail_silently=False)

    transaction.on_commit(send_notice, robust=True)
