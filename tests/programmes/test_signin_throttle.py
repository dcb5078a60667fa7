"""Sign-in throttling (django-axes): five failures lock the username, and the
address, out for the cool-off, on our sign-in page and on the admin's."""

from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from programmes.signin import clock_time
from tests.conftest import PASSWORD

LOCKED = "You have entered the wrong details too many times. Try again at"
SIGN_IN_PAGES = ["login", "admin:login"]


def attempt(client, url_name, username, password, ip="192.0.2.10"):
    return client.post(
        reverse(url_name), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail_five_times(client, url_name, username, ip="192.0.2.10"):
    for _ in range(5):
        attempt(client, url_name, username, "wrong password", ip)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", SIGN_IN_PAGES)
def test_the_right_password_is_refused_after_five_wrong_ones(client, officer, url_name):
    fail_five_times(client, url_name, "officer")
    response = attempt(client, url_name, "officer", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_sign_in_page_shows_the_lockout_in_the_error_summary(client, applicant_a):
    fail_five_times(client, "login", "applicant-a")
    response = attempt(client, "login", "applicant-a", PASSWORD)
    page = response.content.decode()
    assert "<title>Error: Sign in" in page
    assert 'class="govuk-error-summary"' in page
    attempt_row = AccessAttempt.objects.get(username="applicant-a")
    assert attempt_row.failures_since_start == 5, "attempts while locked do not extend it"


@pytest.mark.django_db
def test_four_wrong_passwords_do_not_lock_anyone_out(client, applicant_a):
    for _ in range(4):
        attempt(client, "login", "applicant-a", "wrong password")
    response = attempt(client, "login", "applicant-a", PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_username_is_locked_from_any_address(client, applicant_a):
    fail_five_times(client, "login", "applicant-a", ip="192.0.2.10")
    response = attempt(client, "login", "applicant-a", PASSWORD, ip="198.51.100.20")
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_address_is_locked_for_every_username(client, applicant_a, officer):
    for username in ["a", "b", "c", "d", "e"]:
        attempt(client, "login", username, "wrong password", ip="192.0.2.10")
    response = attempt(client, "login", "officer", PASSWORD, ip="192.0.2.10")
    assert response.status_code == 429
    response = attempt(client, "login", "officer", PASSWORD, ip="198.51.100.20")
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_page_names_the_time_the_cool_off_ends(client, applicant_a, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    fail_five_times(client, "login", "applicant-a")
    last_failure = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=last_failure)
    response = attempt(client, "login", "applicant-a", PASSWORD)
    ends = timezone.localtime(last_failure + timedelta(minutes=15))
    assert f"Try again at {ends:%-I:%M}{ends:%p}".lower() in response.content.decode().lower()


@pytest.mark.parametrize(
    ("utc", "text"),
    [
        ("2026-11-29T20:42:00Z", "8:42pm"),
        ("2026-11-29T00:05:00Z", "12:05am"),
        ("2026-11-29T12:30:00Z", "12:30pm"),
        ("2026-07-01T08:15:00Z", "9:15am on 1 July"),  # British Summer Time
    ],
)
def test_the_time_reads_the_gov_uk_way(utc, text):
    moment = datetime.fromisoformat(utc)
    today = timezone.localdate(datetime.fromisoformat("2026-11-29T12:00:00Z"))
    with patch("programmes.signin.timezone.localdate", return_value=today):
        assert clock_time(moment) == text


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", SIGN_IN_PAGES)
def test_the_right_password_works_again_after_the_cool_off(client, officer, url_name):
    fail_five_times(client, url_name, "officer")
    rows = AccessAttempt.objects.all()
    rows.update(attempt_time=rows.first().attempt_time - timedelta(minutes=16))
    response = attempt(client, url_name, "officer", PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_an_officer_lifts_a_lockout_in_the_admin(officer_client, applicant_a):
    # The officer's client is signed in; the applicant uses a browser of their own.
    client = Client()
    fail_five_times(client, "login", "applicant-a")
    row = AccessAttempt.objects.get(username="applicant-a")
    changelist = officer_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "applicant-a" in changelist.content.decode()

    response = officer_client.post(
        reverse("admin:axes_accessattempt_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert attempt(client, "login", "applicant-a", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_board_member_cannot_see_sign_in_attempts(board_member):
    assert not board_member.has_perm("axes.view_accessattempt")


def test_the_forwarded_header_is_ignored_unless_behind_a_proxy(settings):
    request = RequestFactory().post(
        "/sign-in/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.1"
    )
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    assert get_client_ip_address(request) == "10.0.0.1"


def test_behind_a_proxy_the_address_it_appended_counts(settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    forged = RequestFactory().post(
        "/sign-in/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.1"
    )
    assert get_client_ip_address(forged) == "198.51.100.7"
