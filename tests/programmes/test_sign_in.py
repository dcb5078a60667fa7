"""Each role signs in and lands in its place; anonymous users are sent to sign in."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, confirmed_totp_device
from tests.factories import UserFactory
from tests.twofactor.helpers import code_for


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password}, follow=True)


@pytest.mark.django_db
def test_applicant_lands_on_their_councils_bids(client, applicant_a):
    response = sign_in(client, "applicant-a")
    assert response.redirect_chain[-1][0] == reverse("applications:bid_list")
    assert "Your council&#x27;s bids" in response.content.decode()
    assert "Allerdale Borough Council" in response.content.decode()


@pytest.mark.django_db
def test_officer_lands_in_the_admin(client, officer):
    device = confirmed_totp_device(officer)
    sign_in(client, "officer")  # officers then give a code (tests/twofactor)
    response = client.post(reverse("twofactor:verify"), {"code": code_for(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200


@pytest.mark.django_db
def test_board_member_lands_on_the_dashboard(client, board_member):
    device = confirmed_totp_device(board_member)
    sign_in(client, "board")
    response = client.post(reverse("twofactor:verify"), {"code": code_for(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("board:overview")
    assert "Programme overview" in response.content.decode()


@pytest.mark.django_db
def test_a_user_without_a_role_is_told_why(client):
    UserFactory(username="nobody")
    response = sign_in(client, "nobody")
    assert response.status_code == 403
    assert "Your account is not set up yet" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "applications:bid_list", "board:overview"])
def test_anonymous_users_are_sent_to_sign_in(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
def test_a_failed_sign_in_shows_the_error_summary(client, applicant_a):
    response = sign_in(client, "applicant-a", "wrong password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in page
    assert 'class="govuk-error-summary"' in page
    assert "Enter a correct username and password" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_empty_sign_in_names_each_missing_field(client):
    page = sign_in(client, "", "").content.decode()
    assert '<a href="#id_username">Enter your username</a>' in page
    assert '<a href="#id_password">Enter your password</a>' in page


@pytest.mark.django_db
def test_the_sign_in_form_leaves_validation_to_the_server(client):
    page = client.get(reverse("login")).content.decode()
    assert "novalidate" in page
    assert " required" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url_name", "status"),
    [
        ("officer_client", "applications:bid_list", 403),
        ("board_client", "applications:bid_list", 403),
        # Issue 6: board pages are 404 to applicants, not 403.
        ("applicant_a_client", "board:overview", 404),
        ("applicant_a_client", "accessibility", 200),
    ],
)
def test_each_role_sees_only_its_pages(request, persona, url_name, status):
    client = request.getfixturevalue(persona)
    assert client.get(reverse(url_name)).status_code == status


@pytest.mark.django_db
def test_sign_out_ends_the_session(applicant_a_client):
    response = applicant_a_client.post(reverse("logout"))
    assert response.status_code == 302
    assert applicant_a_client.get(reverse("home")).status_code == 302
