"""The sign-in and session limits come from the environment."""

from tests.programmes.test_settings import PRODUCTION_ENV, run_django

SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.AXES_COOLOFF_TIME.total_seconds(), s.SESSION_COOKIE_AGE, s.SESSION_MAX_HOURS, "
    "s.AXES_IPWARE_META_PRECEDENCE_ORDER)"
)


def test_the_defaults_are_fifteen_minutes_an_hour_and_twelve_hours():
    result = run_django(SHOW, PRODUCTION_ENV)
    assert result.stdout.strip() == "900.0 3600 12 ('REMOTE_ADDR',)"


def test_the_limits_and_the_proxy_header_follow_the_environment():
    env = {
        **PRODUCTION_ENV,
        "DJANGO_LOCKOUT_MINUTES": "30",
        "DJANGO_SESSION_IDLE_MINUTES": "20",
        "DJANGO_SESSION_MAX_HOURS": "8",
        "DJANGO_BEHIND_PROXY": "true",
    }
    result = run_django(SHOW, env)
    assert result.stdout.strip() == "1800.0 1200 8 ('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR')"


def test_a_malformed_lockout_time_stops_start_up():
    result = run_django(SHOW, {**PRODUCTION_ENV, "DJANGO_LOCKOUT_MINUTES": "a while"})
    assert result.returncode != 0
    assert "DJANGO_LOCKOUT_MINUTES must be a whole number" in result.stderr
