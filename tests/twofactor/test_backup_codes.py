"""Ten backup codes at set-up, shown once, each usable once."""

import pytest
from django.urls import reverse

from tests.twofactor.helpers import app_device, code_for, password_step

pytestmark = pytest.mark.django_db

VERIFY = reverse("twofactor:verify")


def set_up(client, officer) -> list[str]:
    password_step(client, "officer")
    client.get(reverse("twofactor:setup"))
    device = officer.totpdevice_set.get()
    response = client.post(reverse("twofactor:setup"), {"code": code_for(device)}, follow=True)
    return response.context["codes"]


def test_set_up_gives_ten_different_codes_shown_once(client, officer):
    codes = set_up(client, officer)
    assert len(set(codes)) == 10
    again = client.get(reverse("twofactor:backup_codes"))
    assert again["Location"] == reverse("twofactor:account")


def test_a_backup_code_signs_in_once(client, officer):
    codes = set_up(client, officer)
    client.post(reverse("logout"))

    password_step(client, "officer")
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.post(reverse("logout"))

    password_step(client, "officer")
    page = client.post(VERIFY, {"code": codes[0], "next": "/admin/"}).content.decode()
    assert "The security code is not right" in page
    assert client.get("/admin/").status_code == 302


def test_new_backup_codes_replace_the_old_ones(officer_client, officer):
    app_device(officer)
    response = officer_client.post(reverse("twofactor:backup_codes_new"), follow=True)
    assert len(response.context["codes"]) == 10
    assert officer.staticdevice_set.get().token_set.count() == 10
