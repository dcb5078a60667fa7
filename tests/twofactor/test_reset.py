"""An officer resets the device of someone who lost their phone."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.twofactor.helpers import app_device, password_step

pytestmark = pytest.mark.django_db

RESET = reverse("twofactor:reset")


def test_a_reset_sends_the_board_member_to_set_up_again(officer_client, board_member):
    app_device(board_member)
    response = officer_client.post(RESET, {"username": "board"}, follow=True)
    assert "board has no two-factor device now" in response.content.decode()
    assert not board_member.totpdevice_set.exists()

    board = Client()
    password_step(board, "board")
    response = board.get("/board/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("twofactor:setup"))


def test_a_reset_ends_the_verified_sessions_of_that_user(officer_client, board_member):
    board_client = Client()
    board_client.force_login(board_member)
    assert board_client.get("/board/").status_code == 200
    officer_client.post(RESET, {"username": "board"})
    assert board_client.get("/board/")["Location"].startswith(reverse("twofactor:verify"))


def test_an_unknown_username_is_an_error_on_the_page(officer_client):
    page = officer_client.post(RESET, {"username": "nobody"}).content.decode()
    assert '<a href="#id_username">There is no user with that username</a>' in page


@pytest.mark.parametrize(
    ("persona", "status"), [("board_client", 403), ("applicant_a_client", 403)]
)
def test_only_officers_reset_devices(request, persona, status, board_member):
    client = request.getfixturevalue(persona)
    assert client.post(RESET, {"username": "board"}).status_code == status
