"""Invitations: an officer (in the admin) or a council's lead (on its team page)
invites someone; the emailed one-time link sets a password and signs them in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes import accounts
from programmes.models import Invitation, User
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from tests.factories import UserFactory

SITE = "http://testserver/"
NEW_PASSWORD = "a long and unusual passphrase"


def link_from(message) -> str:
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


def invite(actor, *, email="new.person@example.gov.uk", role=APPLICANT, council=None, lead=False):
    return accounts.invitation_create(
        actor=actor,
        first_name="New",
        last_name="Person",
        email=email,
        role=role,
        council=council,
        is_council_lead=lead,
        site_url=SITE,
    )


@pytest.fixture
def lead_a(council_a):
    return UserFactory(username="lead-a", council=council_a, role=APPLICANT, is_council_lead=True)


@pytest.fixture
def lead_a_client(client, lead_a):
    client.force_login(lead_a)
    return client


def accept(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, {"new_password1": password, "new_password2": confirm or password})


# --- An officer invites in the admin ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_officer_invites_a_council_user_from_the_admin_and_the_email_has_the_link(
    officer_client, council_a, django_capture_on_commit_callbacks
):
    response = officer_client.post(
        reverse("admin:programmes_invitation_add"),
        {
            "first_name": "Casey",
            "last_name": "Fictional",
            "email": "Casey.Fictional@Example.gov.uk",
            "role": APPLICANT,
            "council": council_a.pk,
            "is_council_lead": "on",
        },
    )
    assert response.status_code == 302
    listing = officer_client.get(response.url).content.decode()
    assert "An invitation has been emailed to casey.fictional@example.gov.uk" in listing
    invitation = Invitation.objects.get()
    assert invitation.email == "casey.fictional@example.gov.uk"
    assert invitation.invited_by.username == "officer"
    assert invitation.is_council_lead
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["casey.fictional@example.gov.uk"]
    assert "Allerdale Borough Council" in message.body
    token = link_from(message).split("/")[2]
    # Only a hash of the token is kept: nothing in the table holds the token.
    assert invitation.token_hash == accounts.token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM programmes_invitation")
        assert token not in repr(cursor.fetchall())


@pytest.mark.django_db
def test_the_email_body_names_the_person_role_link_and_expiry_only(
    officer, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(officer, council=council_a)
    body = mail.outbox[0].body
    assert "Dear New Person" in body
    assert "/invitation/" in body
    assert "officer@example.org" not in body
    assert officer.username not in body
    assert "password" not in body.lower().replace("set your password", "")


@pytest.mark.django_db
def test_the_link_lasts_the_configured_days(officer, council_a, settings):
    settings.INVITATION_DAYS = 3
    invitation = invite(officer, council=council_a)
    left = invitation.expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < left <= timedelta(days=3)


@pytest.mark.django_db
def test_the_admin_form_shows_field_errors_for_bad_input(officer_client, council_a, applicant_a):
    url = reverse("admin:programmes_invitation_add")
    empty = officer_client.post(url, {"role": APPLICANT})
    assert empty.status_code == 200
    assert set(empty.context["adminform"].form.errors) >= {"first_name", "last_name", "email"}
    bad = officer_client.post(
        url, {"first_name": "A", "last_name": "B", "email": "not-an-email", "role": APPLICANT}
    )
    assert "email" in bad.context["adminform"].form.errors
    taken = officer_client.post(
        url,
        {
            "first_name": "A",
            "last_name": "B",
            "email": applicant_a.email.upper(),
            "role": APPLICANT,
            "council": council_a.pk,
        },
    )
    assert "already an account with this email address" in taken.content.decode()
    no_council = officer_client.post(
        url, {"first_name": "A", "last_name": "B", "email": "x@example.org", "role": APPLICANT}
    )
    assert "Choose the council this person works for" in no_council.content.decode()
    lead_officer = officer_client.post(
        url,
        {
            "first_name": "A",
            "last_name": "B",
            "email": "x@example.org",
            "role": OFFICER,
            "is_council_lead": "on",
        },
    )
    assert "Only council users can be their council" in lead_officer.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_officers_revoke_and_resend_in_the_admin(
    officer_client, officer, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(officer, council=council_a)
    first_link = link_from(mail.outbox[0])
    changelist = reverse("admin:programmes_invitation_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(changelist, {"action": "resend", "_selected_action": [invitation.pk]})
    assert len(mail.outbox) == 2
    second_link = link_from(mail.outbox[1])
    assert second_link != first_link
    assert officer_client.get(first_link).status_code == 404
    officer_client.post(changelist, {"action": "revoke", "_selected_action": [invitation.pk]})
    response = officer_client.get(second_link)
    assert response.status_code == 410
    assert "This invitation has been withdrawn" in response.content.decode()
    listing = officer_client.get(changelist).content.decode()
    assert "Revoked" in listing


# --- Using the link -----------------------------------------------------------


@pytest.fixture
def invited(officer, council_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(officer, council=council_a, lead=True)
    # The link's token was made as the email was sent (programmes.notices).
    invitation.refresh_from_db()
    return invitation, link_from(mail.outbox[-1])


@pytest.mark.django_db
def test_the_link_makes_the_account_and_signs_the_person_in(client, invited, council_a):
    invitation, link = invited
    page = client.get(link)
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    assert "new.person@example.gov.uk" in page.content.decode()
    response = accept(client, link)
    assert response.status_code == 302
    user = User.objects.get(username="new.person@example.gov.uk")
    assert user.council == council_a
    assert user.is_council_lead
    assert list(user.groups.values_list("name", flat=True)) == [APPLICANT]
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.user == user
    assert client.get(reverse("home")).url == reverse("applications:bid_list")


@pytest.mark.django_db
def test_the_link_works_once(client, invited):
    _, link = invited
    accept(client, link)
    again = client.get(link)
    assert again.status_code == 410
    assert "This invitation has already been used" in again.content.decode()
    replay = accept(client, link, password="another long passphrase")
    assert replay.status_code == 410
    assert User.objects.filter(email="new.person@example.gov.uk").count() == 1


@pytest.mark.django_db
def test_a_second_use_of_the_token_through_the_service_makes_nothing(invited):
    _, link = invited
    token = link.split("/")[2]
    accounts.invitation_accept(token=token, password=NEW_PASSWORD)
    with pytest.raises(accounts.InvitationUnusable) as refused:
        accounts.invitation_accept(token=token, password=NEW_PASSWORD)
    assert refused.value.reason == "accepted"


@pytest.mark.django_db
def test_an_expired_link_says_so_and_what_to_do(client, invited):
    invitation, link = invited
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    response = client.get(link)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This invitation has expired" in page
    assert "new invitation" in page
    assert accept(client, link).status_code == 410
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
def test_a_revoked_link_says_so(client, invited, officer):
    invitation, link = invited
    accounts.invitation_revoke(actor=officer, invitation=invitation)
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has been withdrawn" in response.content.decode()


@pytest.mark.django_db
def test_a_new_invitation_to_the_same_address_replaces_the_old_link(
    client, invited, officer, council_a
):
    _, old_link = invited
    invite(officer, council=council_a)
    assert client.get(old_link).status_code == 410


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "%00"])
def test_an_unknown_link_is_a_page_not_an_error(client, token):
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


@pytest.mark.django_db
def test_a_weak_or_mismatched_password_is_a_field_error(client, invited):
    invitation, link = invited
    short = accept(client, link, password="short")
    assert short.status_code == 200
    assert "at least 12 characters" in short.content.decode()
    like_name = accept(client, link, password="new.person@example.gov.uk")
    assert "too similar" in like_name.content.decode()
    mismatch = accept(client, link, confirm="a different long passphrase")
    assert "The two passwords do not match" in mismatch.content.decode()
    empty = client.post(link, {})
    assert "Enter a password" in empty.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
def test_an_account_made_meanwhile_stops_the_link(client, invited):
    invitation, link = invited
    UserFactory(username="someone", email=invitation.email)
    response = accept(client, link)
    assert response.status_code == 410
    assert "You already have an account" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [OFFICER, BOARD_MEMBER])
def test_an_invited_officer_or_board_member_sets_up_two_factors_first(
    client, officer, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(officer, email="staff@example.org", role=role)
    accept(client, link_from(mail.outbox[-1]))
    user = User.objects.get(username="staff@example.org")
    assert user.is_staff == (role == OFFICER)
    landing = reverse("admin:index") if role == OFFICER else reverse("board:overview")
    response = client.get(landing, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("twofactor:setup"))
    assert "Set up two-factor sign-in" in response.content.decode()


# --- Who may invite -----------------------------------------------------------


@pytest.mark.django_db
def test_officers_and_the_system_may_invite_anyone(officer, council_b):
    invite(officer, email="a@example.org", role=OFFICER)
    invite(officer, email="b@example.org", role=BOARD_MEMBER)
    invite(SYSTEM, email="c@example.org", council=council_b, lead=True)
    assert Invitation.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", [OFFICER, BOARD_MEMBER])
def test_a_lead_cannot_invite_officers_or_board_members(lead_a, role):
    with pytest.raises(PermissionDenied):
        invite(lead_a, role=role)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_lead_cannot_make_another_lead(lead_a, council_a):
    with pytest.raises(PermissionDenied):
        invite(lead_a, council=council_a, lead=True)


@pytest.mark.django_db
def test_a_lead_cannot_invite_to_another_council(lead_a, council_b):
    with pytest.raises(PermissionDenied):
        invite(lead_a, council=council_b)


@pytest.mark.django_db
def test_a_council_user_who_is_not_lead_cannot_invite(applicant_a, council_a, board_member):
    with pytest.raises(PermissionDenied):
        invite(applicant_a, council=council_a)
    with pytest.raises(PermissionDenied):
        invite(board_member, council=council_a)
    with pytest.raises(PermissionDenied):
        invite(None, council=council_a)


@pytest.mark.django_db
def test_a_deactivated_lead_cannot_invite(lead_a, council_a):
    lead_a.is_active = False
    lead_a.save()
    with pytest.raises(PermissionDenied):
        invite(lead_a, council=council_a)


# --- A council lead's team page ----------------------------------------------


@pytest.mark.django_db
def test_a_lead_sees_their_councils_users_and_invites_a_colleague(
    lead_a_client, applicant_a, applicant_b, council_a, django_capture_on_commit_callbacks
):
    page = lead_a_client.get(reverse("team")).content.decode()
    assert applicant_a.email in page
    assert applicant_b.email not in page
    assert "Your council&#x27;s users" in page or "Your council's users" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_a_client.post(
            reverse("team_invite"),
            {"first_name": "Robin", "last_name": "Sample", "email": "robin@example.gov.uk"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.council, invitation.role, invitation.is_council_lead) == (
        council_a,
        APPLICANT,
        False,
    )
    assert mail.outbox[-1].to == ["robin@example.gov.uk"]
    assert "robin@example.gov.uk" in lead_a_client.get(reverse("team")).content.decode()


@pytest.mark.django_db
def test_only_the_lead_sees_the_team_page_in_the_navigation(lead_a, applicant_a):
    pages = {}
    for user in (lead_a, applicant_a):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get(reverse("applications:bid_list")).content.decode()
    assert 'href="/account/team/"' in pages["lead-a"]
    assert 'href="/account/team/"' not in pages["applicant-a"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Enter their first name"),
        ({"first_name": "R", "last_name": "S", "email": "nope"}, "Enter an email address in"),
        ({"first_name": "", "last_name": "S", "email": "r@example.org"}, "Enter their first"),
        ({"first_name": "R", "last_name": "S", "email": "applicant-a@example.org"}, "already"),
    ],
)
def test_the_invite_form_gives_field_errors_not_server_errors(
    lead_a_client, applicant_a, data, error
):
    response = lead_a_client.post(reverse("team_invite"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert error in page
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_council_user_who_is_not_lead_is_refused_the_team_pages(
    applicant_a_client, applicant_a, lead_a
):
    assert applicant_a_client.get(reverse("team")).status_code == 403
    assert applicant_a_client.get(reverse("team_invite")).status_code == 403
    response = applicant_a_client.post(reverse("team_deactivate", args=[lead_a.pk]))
    assert response.status_code == 403
    lead_a.refresh_from_db()
    assert lead_a.is_active


@pytest.mark.django_db
def test_officers_and_board_members_use_the_admin_not_the_team_page(officer_client, board_client):
    assert officer_client.get(reverse("team")).status_code == 403


@pytest.mark.django_db
def test_a_lead_withdraws_and_resends_their_councils_invitations(
    lead_a_client, lead_a, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(lead_a, council=council_a)
    with django_capture_on_commit_callbacks(execute=True):
        lead_a_client.post(reverse("team_invitation", args=[invitation.pk, "resend"]))
    assert len(mail.outbox) == 2
    lead_a_client.post(reverse("team_invitation", args=[invitation.pk, "withdraw"]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.django_db
def test_another_councils_invitation_is_404_to_a_lead(lead_a_client, officer, council_b):
    invitation = invite(officer, council=council_b)
    response = lead_a_client.post(reverse("team_invitation", args=[invitation.pk, "withdraw"]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Deactivating -------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_deactivates_a_colleague_after_confirming_and_their_session_ends(
    lead_a_client, applicant_a
):
    colleague_client = Client()
    colleague_client.force_login(applicant_a)
    url = reverse("team_deactivate", args=[applicant_a.pk])
    confirm = lead_a_client.get(url)
    assert "Are you sure you want to deactivate this account?" in confirm.content.decode()
    applicant_a.refresh_from_db()
    assert applicant_a.is_active, "the confirmation page changes nothing"
    response = lead_a_client.post(url)
    assert response.status_code == 302
    applicant_a.refresh_from_db()
    assert not applicant_a.is_active
    assert "Deactivated" in lead_a_client.get(reverse("team")).content.decode()
    # Signed out at once, and sent to sign in.
    bids = colleague_client.get(reverse("applications:bid_list"))
    assert bids.status_code == 302 and bids.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_another_councils_user_is_404_and_stays_active(lead_a_client, applicant_b):
    url = reverse("team_deactivate", args=[applicant_b.pk])
    assert lead_a_client.get(url).status_code == 404
    assert lead_a_client.post(url).status_code == 404
    applicant_b.refresh_from_db()
    assert applicant_b.is_active


@pytest.mark.django_db
def test_a_lead_cannot_deactivate_themselves(lead_a_client, lead_a):
    assert lead_a_client.post(reverse("team_deactivate", args=[lead_a.pk])).status_code == 404
    with pytest.raises(ValidationError):
        accounts.user_deactivate(actor=lead_a, user=lead_a)
    lead_a.refresh_from_db()
    assert lead_a.is_active


@pytest.mark.django_db
def test_a_lead_cannot_deactivate_an_officer_of_their_council_through_the_service(
    lead_a, council_a, officer
):
    officer.council = council_a
    officer.save()
    with pytest.raises(PermissionDenied):
        accounts.user_deactivate(actor=lead_a, user=officer)


@pytest.mark.django_db
def test_a_deactivated_user_cannot_sign_in_and_is_told_why(client, applicant_a, officer):
    accounts.user_deactivate(actor=officer, user=applicant_a)
    response = client.post(
        reverse("login"), {"username": "applicant-a", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert "This account has been deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("login"), {"username": "applicant-a", "password": "wrong"})
    assert "This account has been deactivated" not in wrong.content.decode()


@pytest.mark.django_db
def test_a_deactivated_officer_with_a_device_gets_a_page_not_an_error(client, officer):
    from tests.twofactor.helpers import app_device

    app_device(officer)
    accounts.user_deactivate(actor=SYSTEM, user=officer)
    response = client.post(
        reverse("admin:login"), {"username": "officer", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    response = client.post(
        reverse("login"), {"username": "officer", "password": "correct horse battery staple"}
    )
    assert "This account has been deactivated" in response.content.decode()


@pytest.mark.django_db
def test_deactivating_keeps_the_persons_records(lead_a, applicant_a, council_a):
    invitation = invite(lead_a, council=council_a, email="kept@example.org")
    accounts.user_deactivate(actor=lead_a, user=applicant_a)
    assert User.objects.filter(pk=applicant_a.pk).exists()
    assert Invitation.objects.filter(pk=invitation.pk).exists()


@pytest.mark.django_db
def test_officers_deactivate_in_the_admin_and_sessions_end(officer_client, applicant_a):
    colleague_client = Client()
    colleague_client.force_login(applicant_a)
    officer_client.post(
        reverse("admin:programmes_user_changelist"),
        {"action": "deactivate", "_selected_action": [applicant_a.pk]},
    )
    applicant_a.refresh_from_db()
    assert not applicant_a.is_active
    assert "_auth_user_id" not in colleague_client.session


# --- Audit --------------------------------------------------------------------


@pytest.mark.django_db
def test_invitations_and_deactivations_are_in_the_audit_trail(lead_a, applicant_a, council_a):
    from auditlog.models import LogEntry

    invitation = invite(lead_a, council=council_a, email="audited@example.org")
    accounts.user_deactivate(actor=lead_a, user=applicant_a)
    created = LogEntry.objects.get_for_object(invitation).get()
    assert "token_hash" not in created.changes_dict
    assert created.changes_dict["email"][1] == "audited@example.org"
    switched = LogEntry.objects.get_for_object(applicant_a).latest("timestamp")
    assert switched.changes_dict["is_active"] == ["True", "False"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent row locks: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_uses_of_one_link_make_one_account(officer, council_a):
    import threading

    from django.db import close_old_connections

    invite(officer, council=council_a)  # committed: the email is sent
    token = link_from(mail.outbox[-1]).split("/")[2]
    barrier = threading.Barrier(4)
    made, refused = [], []

    def use() -> None:
        try:
            barrier.wait()
            made.append(accounts.invitation_accept(token=token, password=NEW_PASSWORD))
        except accounts.InvitationUnusable as unusable:
            refused.append(unusable.reason)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert refused == ["accepted"] * 3
    assert User.objects.filter(email="new.person@example.gov.uk").count() == 1


def test_the_invitation_days_come_from_the_environment():
    from tests.programmes.test_settings import PRODUCTION_ENV, run_django

    show = (
        "import django; django.setup(); "
        "from django.conf import settings as s; print(s.INVITATION_DAYS)"
    )
    assert run_django(show, PRODUCTION_ENV).stdout.strip() == "7"
    env = {**PRODUCTION_ENV, "DJANGO_INVITATION_DAYS": "14"}
    assert run_django(show, env).stdout.strip() == "14"
    bad = run_django(show, {**PRODUCTION_ENV, "DJANGO_INVITATION_DAYS": "0"})
    assert bad.returncode != 0
    assert "DJANGO_INVITATION_DAYS" in bad.stderr


# --- Names are one line --------------------------------------------------------
# A name reaches the invitation email's greeting: a line break in it would write
# lines of the sender's choosing into the email.
BROKEN_NAMES = ["Robin\nBcc: someone@example.org", "Robin\rSample", "Robin\u2028Sample"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_the_service_refuses_a_name_with_a_line_break(officer, council_a, name):
    for field in ("first_name", "last_name"):
        names = {"first_name": "Robin", "last_name": "Sample", field: name}
        with pytest.raises(ValidationError) as refused:
            accounts.invitation_create(
                actor=officer,
                email="robin@example.gov.uk",
                role=APPLICANT,
                council=council_a,
                site_url=SITE,
                **names,
            )
        assert field in refused.value.message_dict
    assert not Invitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_the_team_page_refuses_a_name_with_a_line_break(lead_a_client, name):
    response = lead_a_client.post(
        reverse("team_invite"),
        {"first_name": name, "last_name": "Sample", "email": "robin@example.gov.uk"},
    )
    assert response.status_code == 200
    assert "Enter this on one line, without line breaks" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_the_admin_refuses_a_name_with_a_line_break(officer_client, council_a, name):
    response = officer_client.post(
        reverse("admin:programmes_invitation_add"),
        {
            "first_name": "Robin",
            "last_name": name,
            "email": "robin@example.gov.uk",
            "role": APPLICANT,
            "council": council_a.pk,
        },
    )
    assert response.status_code == 200
    assert "last_name" in response.context["adminform"].form.errors
    assert not Invitation.objects.exists()
