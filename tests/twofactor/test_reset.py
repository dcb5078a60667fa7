"""Protected accounts: resetting someone's second factor or password is for an
officer who manages accounts, with a reason, never on a superuser's account
(unless a superuser) nor their own; it is in the audit trail and emails the
account's owner. Changing one's own password needs the second factor given."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from programmes.roles import OFFICER
from tests.factories import UserFactory
from tests.twofactor.helpers import app_device, code_for, password_step

pytestmark = pytest.mark.django_db(transaction=True)

RESET = reverse("twofactor:reset")
REASON = "Lost phone; confirmed by a call to their desk number"


def reason_of(entry) -> str:
    return (entry.additional_data or {}).get("reason", "")


def manages_accounts(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="programmes", codename="manage_accounts")
    )
    return user


@pytest.fixture
def manager(db):
    return manages_accounts(UserFactory(username="manager", is_staff=True, role=OFFICER))


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    # As the officer's pages ask: a session that gave its second factor.
    device = app_device(manager)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_a_reset_with_a_reason_sends_the_board_member_to_set_up_again(manager_client, board_member):
    app_device(board_member)
    response = manager_client.post(RESET, {"username": "board", "reason": REASON}, follow=True)
    assert "board has no two-factor device now" in response.content.decode()
    assert not board_member.totpdevice_set.exists()

    board = Client()
    password_step(board, "board")
    response = board.get("/board/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("twofactor:setup"))


def test_a_reset_is_in_the_audit_trail_and_emails_the_owner(manager_client, board_member):
    app_device(board_member)
    manager_client.post(RESET, {"username": "board", "reason": REASON})
    [entry] = [e for e in LogEntry.objects.get_for_object(board_member) if reason_of(e)]
    assert entry.actor.username == "manager"
    assert entry.additional_data["reason"] == REASON
    assert "two-factor sign-in" in entry.changes_display_dict
    [email] = mail.outbox
    assert email.to == [board_member.email]
    assert email.subject == "Your two-factor sign-in has been reset"
    assert REASON in email.body


def test_a_reset_ends_the_verified_sessions_of_that_user(manager_client, board_member):
    board_client = Client()
    board_client.force_login(board_member)
    assert board_client.get("/board/").status_code == 200
    manager_client.post(RESET, {"username": "board", "reason": REASON})
    assert board_client.get("/board/")["Location"].startswith(reverse("twofactor:verify"))


def test_an_unknown_username_or_no_reason_is_an_error_on_the_page(manager_client, board_member):
    page = manager_client.post(RESET, {"username": "nobody", "reason": REASON}).content.decode()
    assert '<a href="#id_username">There is no user with that username</a>' in page
    app_device(board_member)
    page = manager_client.post(RESET, {"username": "board", "reason": " "}).content.decode()
    assert "Say why their two-factor sign-in is being reset" in page
    assert board_member.totpdevice_set.exists()


def test_an_officer_who_does_not_manage_accounts_may_not_reset(officer_client, board_member):
    app_device(board_member)
    assert officer_client.post(RESET, {"username": "board", "reason": REASON}).status_code == 403
    assert board_member.totpdevice_set.exists()
    assert "Reset another user" not in officer_client.get("/account/two-factor/").content.decode()


def test_nobody_but_a_superuser_resets_a_superusers_second_factor(manager_client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    app_device(admin)
    page = manager_client.post(RESET, {"username": "root", "reason": REASON}).content.decode()
    assert "Only a superuser can reset a superuser" in page
    assert admin.totpdevice_set.exists()


def test_a_manager_cannot_reset_their_own_second_factor_here(manager_client, manager):
    page = manager_client.post(RESET, {"username": "manager", "reason": REASON}).content.decode()
    assert "You cannot reset your own account here" in page
    assert manager.totpdevice_set.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("board_client", 403), ("applicant_a_client", 403)]
)
def test_only_officers_reset_devices(request, persona, status, board_member):
    client = request.getfixturevalue(persona)
    assert client.post(RESET, {"username": "board", "reason": REASON}).status_code == status


# --- Passwords ----------------------------------------------------------------

NEW = "a long and unusual passphrase"


def set_password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def test_an_officer_without_the_permission_cannot_set_anothers_password(
    officer_client, board_member
):
    response = officer_client.post(
        set_password_url(board_member), {"password1": NEW, "password2": NEW, "reason": REASON}
    )
    assert response.status_code == 403
    board_member.refresh_from_db()
    assert not board_member.check_password(NEW)


def test_a_manager_sets_a_password_with_a_reason_and_the_owner_is_told(
    manager_client, board_member
):
    response = manager_client.post(
        set_password_url(board_member), {"password1": NEW, "password2": NEW, "reason": REASON}
    )
    assert response.status_code == 302
    board_member.refresh_from_db()
    assert board_member.check_password(NEW)
    assert [m.subject for m in mail.outbox] == ["Your password has been reset"]
    [entry] = [e for e in LogEntry.objects.get_for_object(board_member) if reason_of(e)]
    assert entry.additional_data["reason"] == REASON


def test_a_manager_cannot_set_a_superusers_password(manager_client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = manager_client.post(
        set_password_url(admin), {"password1": NEW, "password2": NEW, "reason": REASON}
    )
    admin.refresh_from_db()
    assert not admin.check_password(NEW)
    assert response.status_code in (200, 403)


def test_a_password_alone_does_not_change_the_password(client, officer):
    app_device(officer)
    password_step(client, "officer")
    response = client.post(
        reverse("password_change"),
        {"old_password": "x", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor:verify"))
    officer.refresh_from_db()
    assert not officer.check_password(NEW)


def test_the_session_key_is_new_once_the_second_factor_is_given(client, officer):
    device = app_device(officer)
    password_step(client, "officer")
    before = client.session.session_key
    response = client.post(reverse("twofactor:verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password1": NEW, "password2": "not the same", "reason": REASON}, "didn"),
        ({"password1": NEW, "password2": NEW, "reason": ""}, "This field is required"),
        # A refusal by the service is shown too: the manager's own account.
        ({"password1": NEW, "password2": NEW, "reason": REASON, "own": True}, "your own account"),
        ({"password1": "short", "password2": "short", "reason": REASON}, "too short"),
    ],
)
def test_bad_input_on_the_set_password_page_is_explained_and_changes_nothing(
    manager_client, manager, board_member, data, message
):
    account = manager if data.pop("own", False) else board_member
    page = manager_client.get(set_password_url(account)).content.decode()
    assert 'name="reason"' in page  # the form shows every field it asks for
    response = manager_client.post(set_password_url(account), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    account.refresh_from_db()
    assert not account.check_password(data["password1"])
    assert not mail.outbox


def test_the_accounts_history_shows_the_reset_and_its_reason(manager_client, board_member):
    app_device(board_member)
    manager_client.post(RESET, {"username": "board", "reason": REASON})
    history = reverse("admin:programmes_user_history", args=[board_member.pk])
    page = manager_client.get(history)
    assert page.status_code == 200
    assert "Two-factor sign-in" in page.content.decode()
