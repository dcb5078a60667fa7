"""Persona fixtures and test-run plumbing shared by the whole suite.

Personas (the healthchecks pattern): an applicant of council A, an applicant
of council B, an LGA officer, a board member, and anonymous visitors.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from programmes.twofactor.policy import two_factors_required
from tests.factories import (
    CallFactory,
    CouncilFactory,
    GrowthCallFactory,
    OpeCallFactory,
    UserFactory,
)

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"

# Playwright's sync API runs an event loop in the test thread; Django then
# refuses ORM calls unless told this is deliberate (live_server tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items) -> None:
    no_broker = pytest.mark.skip(
        reason="needs a real broker: set CELERY_BROKER_URL to a Redis URL (.ci/run does)"
    )
    no_chromium = pytest.mark.skip(
        reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    )
    for item in items:
        if "worker" in item.keywords and settings.CELERY_TASK_ALWAYS_EAGER:
            item.add_marker(no_broker)
        if "browser" in item.keywords and not shutil.which(CHROMIUM):
            item.add_marker(no_chromium)


@pytest.fixture(autouse=True)
def _fast_and_local(settings, tmp_path):
    # MD5 keeps the many sign-ins fast; it is never used outside tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private-uploads"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Throttle counts (django-ratelimit) live in the cache: each test starts
    # with none, whatever the tests before it asked for.
    cache.clear()


@pytest.fixture(autouse=True)
def _notices_sent_in_this_process(request, monkeypatch):
    """Tests without a worker send email notices here after commit, as the
    embedded default does, even when a broker is configured (CI): otherwise
    they would wait in a queue no worker reads. Worker tests send them for real."""
    if request.node.get_closest_marker("worker"):
        return
    from applications.tasks import notice_send

    monkeypatch.setattr(notice_send, "delay", lambda notice_id: notice_send.apply((notice_id,)))


def confirmed_totp_device(user) -> TOTPDevice:
    """The user's app device, made if they have none (what set-up leaves behind)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


_password_only_login = Client.force_login


def _force_login_with_both_factors(self, user, backend=None) -> None:
    # force_login skips the password; for officers and board members (and
    # anyone with a device) it skips the code too, as if both were given, so
    # tests of their pages need not repeat the sign-in. Two-factor tests sign
    # in through the pages (tests/twofactor).
    _password_only_login(self, user, backend)
    if two_factors_required(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
        session.save()


@pytest.fixture(autouse=True)
def _force_login_gives_both_factors(monkeypatch):
    monkeypatch.setattr(Client, "force_login", _force_login_with_both_factors)


@pytest.fixture
def council_a(db):
    return CouncilFactory(
        name="Allerdale Borough Council", short_name="Allerdale", gss_code="E07000026"
    )


@pytest.fixture
def council_b(db):
    return CouncilFactory(
        name="Wyre Forest District Council", short_name="Wyre Forest", gss_code="E07000239"
    )


@pytest.fixture
def applicant_a(council_a):
    return UserFactory(username="applicant-a", council=council_a, role=APPLICANT)


@pytest.fixture
def applicant_b(council_b):
    return UserFactory(username="applicant-b", council=council_b, role=APPLICANT)


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", is_staff=True, role=OFFICER)


@pytest.fixture
def board_member(db):
    return UserFactory(username="board", role=BOARD_MEMBER)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def applicant_a_client(client, applicant_a):
    return _client_for(client, applicant_a)


@pytest.fixture
def applicant_b_client(client, applicant_b):
    return _client_for(client, applicant_b)


@pytest.fixture
def officer_client(client, officer):
    return _client_for(client, officer)


@pytest.fixture
def board_client(client, board_member):
    return _client_for(client, board_member)


@pytest.fixture
def experts_call(db):
    """An open Productivity Experts call, awarding up to £10,000."""
    return CallFactory(title="Productivity Experts 2013/14")


@pytest.fixture
def growth_call(db):
    """An open Growth Advisers call, awarding up to 14 adviser days at £500 a day."""
    return GrowthCallFactory(title="Local Economic Growth Advisers 2013")


@pytest.fixture
def ope_call(db):
    return OpeCallFactory(title="One Public Estate pilots 2013")


@pytest.fixture(scope="session")
def celery_config():
    """The production Celery settings, so the test worker runs what production runs."""
    config = {
        key.removeprefix("CELERY_").lower(): getattr(settings, key)
        for key in dir(settings)
        if key.startswith("CELERY_")
    }
    config["result_backend"] = settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL
    return config


@pytest.fixture(scope="session")
def celery_worker_parameters():
    # The worker fixture already waits for the worker to be ready; its extra
    # ping would need results, which production turns off for every task but
    # worker_health.
    return {"queues": (settings.CELERY_TASK_DEFAULT_QUEUE,), "perform_ping_check": False}


@pytest.fixture
def strands(db):
    """The five strands, keyed: strands["experts"]."""
    from programmes.services import strands_sync

    return {strand.key: strand for strand in strands_sync()}
