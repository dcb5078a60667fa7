"""Email notices of bid events, to the council's users or to the LGA officers.

Who is told is decided here; recording and delivery (retries, the sweep, the
admin's list) are the core's notices service (programmes.notices.services),
like every email the portal sends.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from programmes.models import User
from programmes.notices import services as notices
from programmes.notices.models import Notice
from programmes.roles import OFFICER

COUNCIL = "council"
OFFICERS = "officers"


def recipients(application, audience: str) -> list[str]:
    if audience == COUNCIL:
        users = User.objects.filter(council_id=application.lead_council_id, is_active=True)
    else:
        users = User.objects.filter(groups__name=OFFICER, is_active=True)
    return sorted({user.email for user in users if user.email})


def notice_queue(*, application, event, audience: str, subject: str) -> list[Notice]:
    """Record the notice of a bid event for each recipient; each is sent once
    the transaction commits."""
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
    the caller's transaction (bid events, and savings returns on an award)."""
    return notices.notices_record(
        recipients=recipients(application, audience),
        subject=subject,
        body=body,
        audience=audience,
        application=application,
        event=event,
    )


def partner_leads(council_id: int) -> list[str]:
    """Who answers for a partner council: its active council leads (all its
    active users while it has no lead, so that someone hears of it)."""
    users = User.objects.filter(council_id=council_id, is_active=True)
    leads = [user for user in users if user.is_council_lead]
    return sorted({user.email for user in leads or users if user.email})


def partner_named_notice(*, confirmation) -> list[Notice]:
    """Tell a partner council's lead that a bid names their council, in the
    caller's transaction (applications.services, when the lead council names it)."""
    application = confirmation.application
    body = render_to_string(
        "applications/emails/partner_named.txt",
        {
            "application": application,
            "council": confirmation.council,
            "service_name": settings.SERVICE_NAME,
        },
    )
    return notices.notices_record(
        recipients=partner_leads(confirmation.council_id),
        subject=f"{application.lead_council.name} names your council as a partner on a bid",
        body=body,
        audience="partner",
        application=application,
    )
