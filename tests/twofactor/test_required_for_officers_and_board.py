"""Officers and board members give a code before the admin or the board opens."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.twofactor.helpers import app_device, code_for, password_step

pytestmark = pytest.mark.django_db

VERIFY = reverse("twofactor:verify")
SETUP = reverse("twofactor:setup")


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("officer", "/admin/"),
        ("board_member", "/board/"),
        # The role, not `is_staff`, asks for the code (test_required_by_role_not_staff.py).
        ("officer_by_group", "/board/"),
        ("officer_by_group", "/account/two-factor/reset/"),
        ("board_by_group", "/board/"),
    ],
)
def test_a_password_alone_does_not_open_the_admin_or_the_board(request, client, persona, page):
    user = request.getfixturevalue(persona)
    password_step(client, user.username)
    response = client.get(page, follow=True)
    assert response.redirect_chain[-1][0] == f"{SETUP}?next={quote(page, safe='')}"
    assert "Set up two-factor sign-in" in response.content.decode()


def test_without_a_device_the_password_leads_straight_to_set_up(client, officer):
    response = client.get(password_step(client, "officer")["Location"], follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)


def test_set_up_with_the_apps_code_opens_the_admin(client, officer):
    password_step(client, "officer")
    page = client.get(f"{SETUP}?next=/admin/").content.decode()
    device = officer.totpdevice_set.get()
    assert "<svg" in page  # the QR code
    from programmes.twofactor.services import totp_secret_base32

    assert totp_secret_base32(device) in page

    response = client.post(SETUP, {"code": code_for(device), "next": "/admin/"}, follow=True)
    page = response.content.decode()
    assert "Two-factor sign-in is on" in page
    assert page.count("<li><code>") == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_a_wrong_set_up_code_is_refused_with_the_error_summary(client, officer):
    password_step(client, "officer")
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Set up two-factor sign-in" in page
    assert 'class="govuk-error-summary"' in page
    assert "The security code is not right" in page
    assert not officer.totpdevice_set.get().confirmed
    assert client.get("/admin/").status_code == 302


def test_an_officer_with_a_device_gives_the_code_after_the_password(client, officer):
    device = app_device(officer)
    response = password_step(client, "officer", next_url="/admin/")
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302

    response = client.post(VERIFY, {"code": code_for(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_with_the_error_summary(client, officer):
    app_device(officer)
    password_step(client, "officer")
    response = client.post(VERIFY, {"code": "123 456", "next": "/admin/"})
    page = response.content.decode()
    assert "<title>Error: Enter your security code" in page
    assert '<a href="#id_code">The security code is not right' in page
    assert client.get("/admin/").status_code == 302


def test_an_empty_code_names_the_field(client, officer):
    app_device(officer)
    password_step(client, "officer")
    page = client.post(VERIFY, {"code": ""}).content.decode()
    assert '<a href="#id_code">Enter the security code</a>' in page


def test_a_stolen_password_cannot_enrol_a_new_phone(client, officer):
    app_device(officer)
    password_step(client, "officer")
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)


def test_the_code_page_does_not_send_users_off_site(client, officer):
    device = app_device(officer)
    password_step(client, "officer")
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_an_unverified_officer_is_not_shown_the_admin_login_form(client, officer):
    app_device(officer)
    password_step(client, "officer")
    response = client.get("/admin/login/?next=/admin/applications/")
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fapplications%2F"


def test_a_staff_account_without_a_role_is_sent_to_set_up_not_round_in_circles(client):
    from tests.factories import UserFactory

    UserFactory(username="staff-only", is_staff=True)
    password_step(client, "staff-only")
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
