"""A bid's transition locks the bid's row and nothing else (PostgreSQL, two
real connections): FOR UPDATE on the join also locked its call, strand and
council, so every bid of a round queued behind the one being changed, and
two councils sending bids at once deadlocked with the board's version row
(the load benchmark's deadline day)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from applications import services
from applications.models import Call
from programmes.models import Council, Strand
from tests.applications.bids import bid_submitted

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_a_transition_in_progress_leaves_its_call_strand_and_council_unlocked(
    experts_call, council_a, applicant_a
):
    bid = bid_submitted(experts_call, council_a, applicant_a)
    locked = threading.Event()
    release = threading.Event()
    errors: list = []

    def change_the_bid() -> None:
        try:
            with transaction.atomic():
                services._lock(bid)
                locked.set()
                release.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            close_old_connections()

    thread = threading.Thread(target=change_the_bid)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        with transaction.atomic():
            # NOWAIT: a row another transaction holds is an error at once.
            Call.objects.select_for_update(nowait=True).get(pk=experts_call.pk)
            Strand.objects.select_for_update(nowait=True).get(pk=experts_call.strand_id)
            Council.objects.select_for_update(nowait=True).get(pk=council_a.pk)
    finally:
        release.set()
        thread.join(timeout=10)
    assert errors == []
