"""Persona fixtures and test-run plumbing shared by the whole suite.

Personas (the healthchecks pattern): an applicant of council A, an applicant
of council B, an LGA officer, a board member, and anonymous visitors.
The officer is staff, as invited officers are; `officer_by_group` and
`board_by_group` hold their role by group alone, not staff (an account put in
the group in the admin), so that what a role may do, and whether it gives a
second factor, is tested apart from `is_staff`.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser
from pytest_django import DjangoDbBlocker

from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from programmes.twofactor.policy import two_factors_required
from savings import rollups
from tests.browser import CHROMIUM, chromium, fresh_page
from tests.factories import (
    CallFactory,
    CouncilFactory,
    GrowthCallFactory,
    OpeCallFactory,
    UserFactory,
    decides_awards,
)

PASSWORD = "correct horse battery staple"

NO_CHROMIUM = f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"

# Playwright's sync API runs an event loop in the test thread; Django then
# refuses ORM calls unless told this is deliberate (live_server tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering
def pytest_collection_modifyitems(config, items) -> None:
    no_broker = pytest.mark.skip(
        reason="needs a real broker: set CELERY_BROKER_URL to a Redis URL (.ci/run does)"
    )
    no_chromium = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if "worker" in item.keywords and settings.CELERY_TASK_ALWAYS_EAGER:
            item.add_marker(no_broker)
        if "browser" in item.keywords and not shutil.which(CHROMIUM):
            item.add_marker(no_chromium)
    # The tests on the shared demo run last, together, so each test process
    # loads it once (see SharedDemo). A stable sort: the rest keep their order.
    items.sort(key=_uses_shared_demo)


@pytest.hookimpl(tryfirst=True)  # before the test's fixtures, so before its transaction
def pytest_runtest_setup(item) -> None:
    if "page" not in getattr(item, "fixturenames", ()):
        SHARED_CHROMIUM.close()
    if _uses_shared_demo(item):
        SHARED_DEMO.resume()
    else:
        SHARED_DEMO.stop()


def fast_and_local(root: Path) -> dict:
    """Settings every test runs with, its files below `root`."""
    return {
        # MD5 keeps the many sign-ins fast; it is never used outside tests.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests render pages without running collectstatic first.
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "STATIC_ROOT": root / "static",
        "PRIVATE_STORAGE_ROOT": root / "private-uploads",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@pytest.fixture(autouse=True)
def _fast_and_local(settings, tmp_path):
    for name, value in fast_and_local(tmp_path).items():
        setattr(settings, name, value)
    settings.STATIC_ROOT.mkdir()
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
    from programmes.notices.tasks import notice_send

    monkeypatch.setattr(notice_send, "delay", lambda notice_id: notice_send.apply((notice_id,)))


def confirmed_totp_device(user) -> TOTPDevice:
    """The user's app device, made if they have none (what set-up leaves behind)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


_password_only_login = Client.force_login


def force_login_with_both_factors(self, user, backend=None) -> None:
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
    monkeypatch.setattr(Client, "force_login", force_login_with_both_factors)


class SharedChromium:
    """Launching Chromium (and Playwright's driver) takes seconds, so consecutive
    tests with a `page` share one browser, each in a context of its own (no
    cookie, storage or cache kept from the test before). It is closed before
    any test without a `page` (pytest_runtest_setup): Playwright's event loop
    must not outlive the browser tests, as other tests (printing a board paper
    through Playwright, anything asyncio) would find it running."""

    def __init__(self) -> None:
        self._stack: contextlib.ExitStack | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is not None and not self._browser.is_connected():
            self.close()  # a test crashed it: the next one gets a new one
        if self._browser is None:
            self._stack = contextlib.ExitStack()
            self._browser = self._stack.enter_context(chromium())
        return self._browser

    def close(self) -> None:
        stack, self._stack, self._browser = self._stack, None, None
        if stack is not None:
            stack.close()


SHARED_CHROMIUM = SharedChromium()


@pytest.fixture(scope="session")
def _shared_chromium():
    yield SHARED_CHROMIUM
    SHARED_CHROMIUM.close()


@pytest.fixture
def page(_shared_chromium):
    """A page in headless Chromium (tests/browser.py), in a new context of a
    browser shared with the tests just before (SharedChromium); mark the test
    `browser`."""
    if not shutil.which(CHROMIUM):
        pytest.skip(NO_CHROMIUM)
    with fresh_page(_shared_chromium.browser()) as page:
        yield page


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
    """The programme manager: an LGA officer who also decides awards
    (applications.workflow); officers made by UserFactory alone do not."""
    return decides_awards(UserFactory(username="officer", is_staff=True, role=OFFICER))


@pytest.fixture
def board_member(db):
    return UserFactory(username="board", role=BOARD_MEMBER)


@pytest.fixture
def officer_by_group(db):
    """An LGA officer by group only, not staff: no admin (Django's admin is for
    staff), but every other officer page and write, behind the same second factor."""
    return decides_awards(UserFactory(username="officer-by-group", role=OFFICER, is_staff=False))


@pytest.fixture
def board_by_group(db):
    """A board member by group only, not staff (as board members are made)."""
    return UserFactory(username="board-by-group", role=BOARD_MEMBER, is_staff=False)


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
def officer_by_group_client(client, officer_by_group):
    return _client_for(client, officer_by_group)


@pytest.fixture
def board_by_group_client(client, board_by_group):
    return _client_for(client, board_by_group)


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
    # One embedded worker reads every queue (production runs one worker per queue).
    queues = tuple(settings.WORKER_QUEUES.values())
    _queues_emptied(queues)
    return {"queues": queues, "perform_ping_check": False}


def _queues_emptied(queues: tuple[str, ...]) -> None:
    """What the run without a worker left on the broker (CI configures one for
    the whole suite: the tasks its pages and services queued, thousands of
    them, nobody reading) is not this run's work: a worker test that found
    them waited behind them past its timeout."""
    from productivity.celery import app

    with app.connection_for_write() as connection:
        for name in queues:
            # kombu's stubs type the channel as the abstract StdChannel,
            # which lacks the purge every transport's channel has.
            connection.default_channel.queue_purge(name)  # type: ignore[attr-defined]


@pytest.fixture
def strands(db):
    """The five strands, keyed: strands["experts"]."""
    from programmes.services import strands_sync

    return {strand.key: strand for strand in strands_sync()}


# Records a module's tests share -------------------------------------------------


class SharedRecords:
    """What a `shared_by_the_module` fixture built, and the root of its files."""

    def __init__(self, records, root: Path) -> None:
        self.records, self.root = records, root

    def files_copied(self, settings) -> None:
        """The files the records stored, where this test's settings look for them."""
        if (self.root / "private-uploads").exists():
            shutil.copytree(
                self.root / "private-uploads", settings.PRIVATE_STORAGE_ROOT, dirs_exist_ok=True
            )


def shared_by_the_module(build: Callable[[], object]):
    """A module-scoped fixture, named after `build`, of records its module's
    tests share, as Django's setUpTestData shares them within a class: `build()`
    runs once per module per test process, with the tests' settings, in an
    outer transaction that is never committed; each test runs in its own
    transaction inside it (a savepoint), rolled back after the test, so what a
    test changes is undone before the next. The outer transaction is rolled
    back after the module's last test, before another module's tests run
    (pytest finishes a module's fixtures first). The objects are shared too:
    tests must not change them in memory. Tests reach the records through
    function-scoped fixtures that ask for `db` (and `files_copied` for
    uploads), so their signatures need not change."""

    @pytest.fixture(scope="module", name=build.__name__)
    def fixture(django_db_setup, django_db_blocker, tmp_path_factory):
        root = tmp_path_factory.mktemp(build.__name__)
        (root / "static").mkdir()
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
        try:
            with django_db_blocker.unblock(), override_settings(**fast_and_local(root)):
                records = build()
            # As for the shared demo: no test waits on what these would send.
            connection.run_on_commit = []
            yield SharedRecords(records, root)
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return fixture


# The demo programme, loaded once per test process ----------------------------


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


def _uses_shared_demo(item) -> bool:
    return "demo" in getattr(item, "fixturenames", ()) and not _transactional(item)


class SharedDemo:
    """`load_demo` and a rollup drain take seconds, so the tests that read the
    demo programme share one load per test process (per pytest-xdist worker).

    It is loaded, with the tests' settings, into an outer transaction that is
    never committed; each test using `demo` runs in its own transaction inside
    it (a savepoint, as Django's TestCase.setUpTestData does), so what a test
    changes is rolled back after it and the next test sees the demo as loaded.
    Tests without the demo must never see it: before any other test runs, the
    outer transaction is rolled back, and the next demo test loads the demo
    again. The demo tests are run last, together (pytest_collection_modifyitems),
    so that reload seldom happens. The load happens before the test's own
    fixtures, so a test that moves the clock does so after the demo's
    present-day rounds were made at today's date, as `make demo` makes them.
    """

    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None
        self._blocker: DjangoDbBlocker | None = None
        self._root: Path | None = None

    @property
    def private_files(self) -> Path:
        assert self._root is not None
        return self._root / "private-uploads"

    def start(self, blocker: DjangoDbBlocker, root: Path) -> None:
        self._blocker, self._root = blocker, root
        self.resume()

    def resume(self) -> None:
        """Load the demo unless it is loaded (or no demo test has started yet)."""
        if self._atomic is not None or self._blocker is None:
            return
        assert self._root is not None
        shutil.rmtree(self._root, ignore_errors=True)
        self._root.mkdir(parents=True)
        with self._blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                # load_demo refuses to run with DEBUG off.
                with override_settings(DEBUG=True, **fast_and_local(self._root)):
                    call_command("load_demo", verbosity=0, stdout=io.StringIO())
                    # The on-commit drain requests never fire in a transaction
                    # that is never committed: drain here, as the worker would.
                    rollups.drain()
            except BaseException as error:
                atomic.__exit__(type(error), error, error.__traceback__)
                raise
            # As if committed: a test's writes ask for their own drain.
            connection.run_on_commit = []
        self._atomic = atomic

    def stop(self) -> None:
        """Roll the demo back, leaving the test database empty."""
        if self._atomic is None:
            return
        # Only start() sets _atomic (through resume), after the blocker.
        assert self._blocker is not None
        atomic, self._atomic = self._atomic, None
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


SHARED_DEMO = SharedDemo()


@pytest.fixture(scope="session")
def _shared_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    # Session-scoped, so set up before any test's transaction (the `db` fixture).
    SHARED_DEMO.start(django_db_blocker, tmp_path_factory.mktemp("demo"))
    yield SHARED_DEMO
    SHARED_DEMO.stop()


@pytest.fixture
def demo(request, _shared_demo, db, settings):
    """The demo programme (`load_demo`, drained into the rollups), shared by the
    tests of this process: see SharedDemo. A test's changes roll back after it.
    Tests whose data a server thread must see (live_server) use `demo_committed`."""
    if _transactional(request.node):
        raise pytest.UsageError(f"{request.node.nodeid}: use demo_committed with live_server")
    # The demo's uploaded files (if any went below the test root), copied where
    # this test's settings look for them.
    if _shared_demo.private_files.exists():
        shutil.copytree(
            _shared_demo.private_files, settings.PRIVATE_STORAGE_ROOT, dirs_exist_ok=True
        )


@pytest.fixture
def demo_committed(transactional_db, settings):
    """The demo programme, committed, for tests whose live server must see it.
    Loaded per test: such tests empty every table after themselves."""
    settings.DEBUG = True  # load_demo refuses to run with DEBUG off
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    # With a broker (CI) the drains are queued for a worker these tests do
    # not run: drain here, the same recompute the worker runs.
    rollups.drain()
    settings.DEBUG = False
