"""Sessions end after an idle spell and, whatever the activity, some hours
after signing in; pages for signed-in users are never cached."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from programmes.middleware import LAST_SEEN, SIGNED_IN_AT
from tests.conftest import PASSWORD


def sign_in(client):
    client.post(reverse("login"), {"username": "applicant-a", "password": PASSWORD})


def test_the_defaults_are_an_hour_idle_and_twelve_hours_in_all():
    assert django_settings.SESSION_COOKIE_AGE == 60 * 60
    assert django_settings.SESSION_IDLE_MINUTES == 60
    assert django_settings.SESSION_MAX_HOURS == 12


def seen_ago(client, key, delta):
    session = client.session
    session[key] = (timezone.now() - delta).timestamp()
    session.save()


@pytest.mark.django_db
def test_an_idle_session_is_signed_out(client, applicant_a):
    sign_in(client)
    seen_ago(client, LAST_SEEN, timedelta(minutes=61))
    response = client.get(reverse("applications:bid_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You have been signed out for your security" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_request_within_the_idle_limit_renews_it(client, applicant_a):
    sign_in(client)
    seen_ago(client, LAST_SEEN, timedelta(minutes=59))
    response = client.get(reverse("applications:bid_list"))
    assert response.status_code == 200
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 60 * 60
    assert timezone.now().timestamp() - client.session[LAST_SEEN] < 5


@pytest.mark.django_db
def test_requests_a_few_seconds_apart_do_not_write_the_session(applicant_a_client):
    applicant_a_client.get(reverse("applications:bid_list"))
    response = applicant_a_client.get(reverse("applications:bid_list"))
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_an_expired_session_row_is_signed_out(client, applicant_a):
    sign_in(client)
    session = client.session
    session.set_expiry(timezone.now() - timedelta(seconds=1))
    session.save()
    response = client.get(reverse("applications:bid_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_busy_session_still_ends_after_the_absolute_limit(client, applicant_a, settings):
    settings.SESSION_MAX_HOURS = 12
    sign_in(client)
    assert client.get(reverse("applications:bid_list")).status_code == 200
    seen_ago(client, SIGNED_IN_AT, timedelta(hours=12, minutes=1))

    response = client.get(reverse("applications:bid_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You have been signed out for your security" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_session_within_the_absolute_limit_carries_on(client, applicant_a):
    sign_in(client)
    seen_ago(client, SIGNED_IN_AT, timedelta(hours=11, minutes=59))
    assert client.get(reverse("applications:bid_list")).status_code == 200


@pytest.mark.django_db
def test_pages_for_a_signed_in_user_are_private_and_not_stored(applicant_a_client):
    response = applicant_a_client.get(reverse("applications:bid_list"))
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


@pytest.mark.django_db
def test_a_stricter_cache_control_set_by_a_view_is_kept(officer_client):
    # The admin marks its pages never_cache: max-age=0, no-cache, must-revalidate.
    response = officer_client.get(reverse("admin:index"))
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "no-cache", "must-revalidate", "max-age=0"} <= directives


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_are_left_alone(client):
    response = client.get(reverse("accessibility"))
    assert "no-store" not in response.get("Cache-Control", "")
