"""The authenticator devices' admin pages (django-otp's, mended in
programmes/twofactor/admin.py): a device that does not exist and one the user
may not see get the same 404, so the status tells nothing about which ids
exist; nobody, superusers included, reads a device's secret there."""

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.twofactor.helpers import app_device

PAGES = ("config", "qrcode")


@pytest.fixture
def device(board_member):
    return app_device(board_member)


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def page_url(device_id, page: str) -> str:
    return f"/admin/otp_totp/totpdevice/{device_id}/{page}/"


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_a_device_that_does_not_exist_and_one_not_visible_answer_the_same_404(
    officer_client, device, page
):
    # Officers have no permission on the devices (only superusers do).
    officer_client.raise_request_exception = False
    assert officer_client.get(page_url(device.pk, page)).status_code == 404
    assert officer_client.get(page_url(device.pk + 1000, page)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_a_superuser_gets_404_for_a_missing_device_and_no_secret_for_one_that_exists(
    superuser_client, device, page
):
    superuser_client.raise_request_exception = False
    assert superuser_client.get(page_url(device.pk + 1000, page)).status_code == 404
    # The secret is hidden from everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    assert superuser_client.get(page_url(device.pk, page)).status_code == 403


@pytest.mark.django_db
def test_the_device_change_page_shows_no_secret(superuser_client, device):
    response = superuser_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert response.status_code == 200
    assert device.key not in response.content.decode()
    assert "qrcode" not in response.content.decode()
