"""The admin's sign-in page shows what it asks for, and people who are not
officers are sent to their own pages with a sentence that says why (issue 27)."""

import pytest

from programmes.twofactor.admin_site import NOT_FOR_YOU


@pytest.mark.django_db
def test_the_admin_sign_in_page_asks_for_a_username_and_password_only(client):
    page = client.get("/admin/login/?next=/admin/").content.decode()
    assert 'name="username"' in page and 'name="password"' in page
    assert "OTP" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["applicant_a_client", "board_client"])
def test_a_council_user_or_board_member_in_the_admin_is_sent_to_their_own_pages(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get("/admin/applications/application/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] != "/admin/login/"
    assert "/admin/" not in response.request["PATH_INFO"]
    assert "but are not authorized" not in page
    assert NOT_FOR_YOU.split(",")[0] in page


@pytest.mark.django_db
def test_an_officer_still_reaches_the_admin(officer_client):
    assert officer_client.get("/admin/").status_code == 200
