"""Each request's user, role and second factor in one query, and sessions
read from the cache when one is configured (programmes/signedin.py, issue 26):
the same rules as before, with fewer reads."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes import accounts
from programmes.roles import BOARD_MEMBER
from tests.conftest import confirmed_totp_device

CACHED = "django.contrib.sessions.backends.cached_db"


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_the_user_their_groups_and_device_are_one_query(board_client):
    board_client.get(reverse("board:overview"))  # the session's first renewal
    response, sqls = queries_of(board_client, reverse("board:overview"))
    assert response.status_code == 200
    reading_them = [
        sql
        for sql in sqls
        if "programmes_user_groups" in sql or "otp_totp_totpdevice" in sql or "auth_group" in sql
    ]
    assert len(reading_them) == 1
    assert reading_them[0].startswith('SELECT "programmes_user"."id"')


@pytest.mark.django_db
def test_a_deleted_device_no_longer_verifies_the_session(officer_client, officer):
    assert officer_client.get(reverse("admin:index")).status_code == 200
    TOTPDevice.objects.filter(user=officer).delete()
    response = officer_client.get(reverse("admin:index"))
    assert response.status_code == 302  # to the admin's sign-in, which asks for a code
    assert DEVICE_ID_SESSION_KEY not in officer_client.session


@pytest.mark.django_db
def test_an_unconfirmed_device_does_not_verify_the_session(officer_client, officer):
    TOTPDevice.objects.filter(user=officer).update(confirmed=False)
    assert officer_client.get(reverse("admin:index")).status_code == 302
    assert DEVICE_ID_SESSION_KEY not in officer_client.session


@pytest.mark.django_db
def test_another_persons_device_does_not_verify_the_session(client, officer, board_member):
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(board_member).persistent_id
    session.save()
    assert client.get(reverse("admin:index")).status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_role_taken_away_applies_at_the_next_request(board_client, board_member):
    assert board_client.get(reverse("board:overview")).status_code == 200
    board_member.groups.remove(Group.objects.get(name=BOARD_MEMBER))
    assert board_client.get(reverse("board:overview")).status_code != 200


@pytest.mark.django_db
def test_with_cached_sessions_a_page_reads_no_session_row(settings, applicant_a):
    settings.SESSION_ENGINE = CACHED
    client = Client()
    client.force_login(applicant_a)
    client.get(reverse("applications:bid_list"))
    response, sqls = queries_of(client, reverse("applications:bid_list"))
    assert response.status_code == 200
    assert not [sql for sql in sqls if "django_session" in sql]


@pytest.mark.django_db
def test_with_cached_sessions_deactivating_ends_every_session(settings, officer, applicant_a):
    settings.SESSION_ENGINE = CACHED
    laptop, phone = Client(), Client()
    laptop.force_login(applicant_a)
    phone.force_login(applicant_a)
    key = phone.session.session_key
    assert phone.get(reverse("applications:bid_list")).status_code == 200
    assert cache.get(KEY_PREFIX + key) is not None

    accounts.user_deactivate(actor=officer, user=applicant_a)

    assert cache.get(KEY_PREFIX + key) is None
    for device in (laptop, phone):
        response = device.get(reverse("applications:bid_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert SESSION_KEY not in device.session


@pytest.mark.django_db
def test_with_cached_sessions_a_password_set_by_an_officer_ends_sessions(
    settings, officer, applicant_a
):
    settings.SESSION_ENGINE = CACHED
    phone = Client()
    phone.force_login(applicant_a)
    key = phone.session.session_key
    phone.get(reverse("applications:bid_list"))
    ended = accounts.user_sessions_end(applicant_a)
    assert ended == 1
    assert cache.get(KEY_PREFIX + key) is None
    assert phone.get(reverse("applications:bid_list"))["Location"].startswith(reverse("login"))
