"""Council users are not forced; those who turn it on are asked every time."""

import pytest
from django.urls import reverse

from tests.twofactor.helpers import app_device, code_for, password_step

pytestmark = pytest.mark.django_db


def test_a_council_user_is_not_asked_for_a_code(client, applicant_a):
    response = password_step(client, "applicant-a")
    assert response["Location"] == reverse("home")
    assert client.get(reverse("applications:bid_list")).status_code == 200


def test_a_council_user_may_turn_it_on_from_their_account(applicant_a_client):
    page = applicant_a_client.get(reverse("twofactor:account")).content.decode()
    assert "Two-factor sign-in is off" in page
    assert applicant_a_client.get(reverse("twofactor:setup")).status_code == 200


def test_a_council_user_who_turned_it_on_gives_the_code(client, applicant_a):
    device = app_device(applicant_a)
    response = password_step(client, "applicant-a")
    assert response["Location"].startswith(reverse("twofactor:verify"))
    bids = reverse("applications:bid_list")
    assert client.get(bids)["Location"].startswith(reverse("twofactor:verify"))
    client.post(reverse("twofactor:verify"), {"code": code_for(device)})
    assert client.get(bids).status_code == 200
