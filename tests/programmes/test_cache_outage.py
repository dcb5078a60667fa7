"""The cache can fail (issue 25): with DJANGO_CACHE_URL on a Redis that goes
down, pages compute what they would have cached, the password-reset throttle
refuses with a message rather than count nothing (never a 500, never
unthrottled), and /healthz says the cache is down. Against a redis-server of
the test's own, on a spare loopback port, which the test stops and starts."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from programmes.board import services as papers
from programmes.cache import CacheUnavailable
from programmes.permissions import SYSTEM
from programmes.signin import COUNTS_UNAVAILABLE

PORT = 6395
CLOSED_PORT = 6396  # nothing listens here

pytestmark = [
    # Reset emails are notices, sent once the request commits (programmes.notices).
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]  # noqa: S607
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(50):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def pause(self, paused: bool) -> None:
        """A Redis that hangs: accepts connections, answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def cache_on(settings, port: int) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "programmes.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "productivity",
            # Try Redis again soon after a failure, so the test need not wait.
            "OPTIONS": {"RETRY_AFTER": 0.2},
        }
    }
    settings.CACHE_URL = settings.CACHES["default"]["LOCATION"]


@pytest.fixture
def redis_cache(settings) -> Iterator[RedisServer]:
    server = RedisServer(PORT)
    server.start()
    cache_on(settings, PORT)
    yield server
    server.kill()


def without_nonces(page: str) -> str:
    """The page without what differs on every drawing: nonces, the CSRF token,
    and the random ids pygal gives each chart."""
    page = re.sub(r'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r"chart-[0-9a-f-]{36}", "chart", page)


def reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_pages_resets_and_healthz_while_the_cache_is_down(
    redis_cache, client, board_client, strands, council_a, applicant_a, monkeypatch
):
    monkeypatch.setattr(papers, "_queue_print", lambda pk: None)  # no Chromium here
    client.raise_request_exception = False
    board = board_client.get(reverse("board:overview"))
    assert board.status_code == 200
    assert redis.Redis(port=PORT).dbsize() > 0  # the board's tables were kept
    assert reset(client, applicant_a.email).status_code == 302
    assert len(mail.outbox) == 1

    redis_cache.kill()
    board_client.raise_request_exception = False
    down = board_client.get(reverse("board:overview"))
    assert down.status_code == 200
    assert without_nonces(down.content.decode()) == without_nonces(board.content.decode())
    refused = reset(client, applicant_a.email)
    assert refused.status_code == 503
    assert COUNTS_UNAVAILABLE in refused.content.decode()
    assert refused["Retry-After"] == "60"
    assert len(mail.outbox) == 1  # nothing sent that could not be counted
    paper = papers.paper_create(actor=SYSTEM, meeting_date="2014-01-10", contact_name="Robin")
    assert papers.paper_publish(paper=paper, actor=SYSTEM).is_published
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["cache"] == {
        "ok": False,
        "detail": "not reachable: pages slower, password resets refused",
    }

    redis_cache.start()
    time.sleep(0.3)  # past RETRY_AFTER
    assert client.get("/healthz").json()["checks"]["cache"]["ok"] is True
    # Counting again: three for the address in the hour, then refused.
    answers = [reset(client, "nobody@example.org").status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]


def test_a_cache_that_is_not_there_misses_and_refuses_to_count(settings):
    cache_on(settings, CLOSED_PORT)
    cache.set("key", "value")
    assert cache.get("key", "missing") == "missing"
    assert cache.get_many(["key"]) == {}
    assert cache.get_or_set("key", lambda: "computed") == "computed"
    cache.delete("key")
    with pytest.raises(CacheUnavailable):
        cache.add("count", 1)
    with pytest.raises(CacheUnavailable):
        cache.incr("count")
    assert cache.available() is False


def test_a_cache_that_hangs_costs_a_page_one_timeout_not_one_per_call(
    redis_cache, client, board_client, strands, council_a
):
    board_client.raise_request_exception = client.raise_request_exception = False
    assert board_client.get(reverse("board:overview")).status_code == 200
    redis_cache.pause(True)
    try:
        started = time.monotonic()
        page = board_client.get(reverse("board:overview"))
        took = time.monotonic() - started
        refused = reset(client, "nobody@example.org")
    finally:
        redis_cache.pause(False)
    assert page.status_code == 200
    # One socket timeout (0.5 s) for the health check's ping and one for the
    # first cache call; the rest skip Redis while it is down.
    assert took < 3, took
    assert refused.status_code == 503
