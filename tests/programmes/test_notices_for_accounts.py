"""Invitation and password reset emails go through the notices like every
email: recorded, retried when the mail server refuses, shown to the inviter,
and never holding a usable link in the database."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from programmes import accounts
from programmes.models import Invitation, User
from programmes.notices.models import LinkKind, Notice, NoticeStatus
from programmes.notices.services import TOKEN_PLACEHOLDER
from programmes.notices.tasks import notices_sweep
from programmes.roles import APPLICANT
from tests.factories import UserFactory

SITE = "http://testserver/"


@pytest.fixture
def lead_a(council_a):
    return UserFactory(username="lead-a", council=council_a, role=APPLICANT, is_council_lead=True)


def invite(actor, council, capture, email="new.person@example.gov.uk"):
    with capture(execute=True):
        return accounts.invitation_create(
            actor=actor,
            first_name="New",
            last_name="Person",
            email=email,
            role=APPLICANT,
            council=council,
            site_url=SITE,
        )


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_a_refused_invitation_email_is_kept_shown_to_the_inviter_and_sent_later(
    client, lead_a, council_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.applications.test_notices.RefusingBackend"
    invitation = invite(lead_a, council_a, django_capture_on_commit_callbacks)
    notice = Notice.objects.get(invitation=invitation)
    assert (notice.status, notice.link_kind) == (NoticeStatus.RETRYING, LinkKind.INVITATION)
    assert not mail.outbox

    client.force_login(lead_a)
    team = client.get(reverse("team")).content.decode()
    assert "Email not sent yet: trying again" in team

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notice.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert notices_sweep() == 1
    assert "Email sent" in client.get(reverse("team")).content.decode()
    # The link in the email that went makes the account.
    page = client.get(link_in(mail.outbox[0]))
    assert page.status_code == 200 and "Create your account" in page.content.decode()


@pytest.mark.django_db
def test_no_usable_link_is_stored_with_an_invitation_or_reset_email(
    client, officer, applicant_a, council_a, django_capture_on_commit_callbacks
):
    invite(officer, council_a, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": applicant_a.email})
    assert len(mail.outbox) == 2
    for notice in Notice.objects.all():
        assert notice.status == NoticeStatus.SENT
        assert TOKEN_PLACEHOLDER in notice.body
    sent_tokens = [
        re.search(r"/(?:invitation|password-reset/\w+)/([^/\s]+)/", m.body)[1] for m in mail.outbox
    ]
    for token in sent_tokens:
        assert token != TOKEN_PLACEHOLDER
        assert not Notice.objects.filter(body__contains=token).exists()


@pytest.mark.django_db
def test_an_invitation_sent_again_replaces_the_email_still_waiting(
    lead_a, council_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.applications.test_notices.RefusingBackend"
    invitation = invite(lead_a, council_a, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        accounts.invitation_resend(actor=lead_a, invitation=invitation, site_url=SITE)
    first, second = Notice.objects.filter(invitation=invitation).order_by("pk")
    assert first.status == NoticeStatus.FAILED
    assert first.last_error == "Not sent: replaced by a newer email"
    assert second.status == NoticeStatus.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_withdrawn_invitation_is_not_emailed_by_a_late_retry(
    lead_a, council_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.applications.test_notices.RefusingBackend"
    invitation = invite(lead_a, council_a, django_capture_on_commit_callbacks)
    accounts.invitation_revoke(actor=lead_a, invitation=invitation)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notice.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    notices_sweep()
    notice = Notice.objects.get(invitation=invitation)
    assert notice.status == NoticeStatus.FAILED
    assert notice.last_error == "Not sent: the invitation is no longer waiting"
    assert not mail.outbox
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
def test_officers_see_an_invitations_email_in_the_admin(
    officer_client, officer, council_a, django_capture_on_commit_callbacks
):
    invite(officer, council_a, django_capture_on_commit_callbacks)
    listing = officer_client.get(reverse("admin:programmes_invitation_changelist"))
    assert "Email sent" in listing.content.decode()
    notices = officer_client.get(reverse("admin:notices_notice_changelist"))
    assert "You are invited to the" in notices.content.decode()
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_the_old_address_of_the_notices_list_redirects(officer_client):
    response = officer_client.get("/admin/applications/notice/?status__exact=failed")
    assert response.status_code == 301
    assert response["Location"] == "/admin/notices/notice/?status__exact=failed"
