"""A burst of changes is drained in few recomputes, a lone change quickly.

The debounce's state lives in Redis, so these need CELERY_BROKER_URL and run
in the one-at-a-time `worker` run (other tests' saves use the same keys).
"""

from __future__ import annotations

import pytest
from django.conf import settings

from savings import outbox

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs a real broker: set CELERY_BROKER_URL to a Redis URL (.ci/run does)",
    ),
]

KEYS = (outbox.DRAIN_PENDING_KEY, outbox.DRAIN_COALESCED_KEY, outbox.DRAIN_BURST_KEY)


@pytest.fixture
def client():
    client = outbox.redis_client()
    client.delete(*KEYS)
    yield client
    client.delete(*KEYS)


def _changes_while_a_drain_is_pending(client, count: int) -> None:
    """`count` changes arrive while one drain is already queued."""
    client.set(outbox.DRAIN_PENDING_KEY, "1")
    for _ in range(count):
        outbox.rollups_drain_request()


def test_a_lone_change_is_drained_after_the_short_delay(client):
    assert outbox.drain_delay(client) == outbox.DRAIN_DELAY_SECONDS


def test_after_a_drain_that_folded_in_a_burst_the_next_waits_longer(client):
    _changes_while_a_drain_is_pending(client, outbox.BURST_COALESCED)
    outbox.drain_pending_clear()  # the queued drain starts

    assert outbox.drain_delay(client) == outbox.BURST_DELAY_SECONDS
    assert not client.exists(outbox.DRAIN_PENDING_KEY)
    assert not client.exists(outbox.DRAIN_COALESCED_KEY)
    # The longer wait ends by itself once the burst is over.
    assert 0 < client.ttl(outbox.DRAIN_BURST_KEY) <= outbox.BURST_SECONDS


def test_a_few_changes_together_are_not_a_burst(client):
    _changes_while_a_drain_is_pending(client, outbox.BURST_COALESCED - 1)
    outbox.drain_pending_clear()

    assert outbox.drain_delay(client) == outbox.DRAIN_DELAY_SECONDS
