"""Two officers at once, on two real database connections: a bulk delete marks
the scope a fact has when it is deleted, and an edit never brings a deleted
fact back."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction

from programmes.permissions import SYSTEM
from savings import rollups, services
from savings.models import Investment, InvestmentSource, OutboxMarker, Rollup, SavingsEntry
from savings.outbox import outbox_mark
from tests.factories import CouncilFactory

FIELDS = [f.name for f in Rollup._meta.fields if f.name not in {"id", "computed_at"}]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True),
]


def in_thread(target) -> tuple[threading.Thread, list]:
    """Run `target` on its own database connection; errors are kept, not lost."""
    errors: list = []

    def run() -> None:
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            errors.append(exc)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def rollups_match_a_recompute() -> None:
    rollups.drain()
    assert not OutboxMarker.objects.exists()
    drained = sorted(Rollup.objects.values_list(*FIELDS))
    rollups.recompute_all()
    assert drained == sorted(Rollup.objects.values_list(*FIELDS))


@pytest.fixture
def councils(strands):
    return [CouncilFactory(gss_code=f"E0700091{n}") for n in range(2)]


def test_a_bulk_delete_marks_where_the_saving_is_now_not_where_it_was(strands, councils):
    entry = services.savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=councils[0],
        financial_year="2013/14",
        kind="projected",
        amount=Decimal("1000"),
    )
    rollups.drain()
    listed = list(SavingsEntry.objects.filter(pk=entry.pk))  # officer 1 loads the list
    # Officer 2 moves it to another council and year; the worker drains.
    thread, errors = in_thread(
        lambda: services.savings_entry_update(
            actor=SYSTEM,
            entry=SavingsEntry.objects.get(pk=entry.pk),
            council=councils[1],
            financial_year="2014/15",
        )
    )
    thread.join()
    rollups.drain()
    assert Rollup.objects.filter(council=councils[1]).exists()
    assert services.savings_entries_delete(actor=SYSTEM, entries=listed) == 1
    assert errors == []
    assert not SavingsEntry.objects.exists()
    rollups_match_a_recompute()
    assert not Rollup.objects.filter(council=councils[1]).exists()


def test_a_bulk_delete_of_investments_marks_their_current_scope(strands, councils):
    investment = services.investment_record(
        actor=SYSTEM,
        strand=strands["ope"],
        council=councils[0],
        source=InvestmentSource.CABINET_OFFICE,
        financial_year="2013/14",
        amount=Decimal("23000"),
    )
    rollups.drain()
    listed = list(Investment.objects.filter(pk=investment.pk))
    thread, errors = in_thread(
        lambda: services.investment_update(
            actor=SYSTEM, investment=Investment.objects.get(pk=investment.pk), council=councils[1]
        )
    )
    thread.join()
    rollups.drain()
    assert errors == []
    assert services.investments_delete(actor=SYSTEM, investments=listed) == 1
    rollups_match_a_recompute()
    assert not Rollup.objects.filter(council=councils[1]).exists()


def test_an_edit_queued_behind_a_delete_does_not_bring_the_saving_back(strands, councils):
    entry = services.savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=councils[0],
        financial_year="2013/14",
        kind="projected",
        amount=Decimal("1000"),
    )
    opened = SavingsEntry.objects.get(pk=entry.pk)  # officer 2 opens the change form
    deleting = threading.Event()

    def delete() -> None:  # officer 1 deletes it, holding the row lock a moment
        with transaction.atomic():
            services.savings_entry_delete(actor=SYSTEM, entry=SavingsEntry.objects.get(pk=entry.pk))
            deleting.set()
            time.sleep(0.5)

    thread, errors = in_thread(delete)
    deleting.wait(5)
    with pytest.raises(ValidationError, match="was deleted by another officer"):
        services.savings_entry_update(actor=SYSTEM, entry=opened, amount=Decimal("5000"))
    thread.join()
    assert errors == []
    assert not SavingsEntry.objects.exists()
    rollups_match_a_recompute()
    assert not Rollup.objects.exists()


def test_an_edit_of_a_deleted_investment_is_refused(strands, councils):
    investment = services.investment_record(
        actor=SYSTEM,
        strand=strands["ope"],
        council=councils[0],
        source=InvestmentSource.CABINET_OFFICE,
        financial_year="2013/14",
        amount=Decimal("23000"),
    )
    opened = Investment.objects.get(pk=investment.pk)
    thread, errors = in_thread(
        lambda: services.investment_delete(
            actor=SYSTEM, investment=Investment.objects.get(pk=investment.pk)
        )
    )
    thread.join()
    with pytest.raises(ValidationError, match="was deleted"):
        services.investment_update(actor=SYSTEM, investment=opened, amount=Decimal("1"))
    assert errors == []
    assert not Investment.objects.exists()


def test_two_saves_marking_the_same_scopes_in_opposite_orders_both_commit(strands, councils):
    # Two imports (each one transaction, one mark per row) that touch the same
    # two scopes in opposite orders. With one upserted marker per scope the
    # second mark of each waited for the other's first, and PostgreSQL killed
    # one ("deadlock detected", seen in the chaos test); inserted markers never
    # wait for each other.
    strand = strands["experts"]
    scope_a, scope_b = [(strand.pk, council.pk, "2013/14") for council in councils]
    first_marked = threading.Barrier(2, timeout=10)

    def mark(first, second) -> None:
        with transaction.atomic():
            outbox_mark([first])
            first_marked.wait()
            outbox_mark([second])

    runs = [in_thread(lambda: mark(scope_a, scope_b)), in_thread(lambda: mark(scope_b, scope_a))]
    for thread, _ in runs:
        thread.join(timeout=30)
    assert [errors for _, errors in runs] == [[], []]
    rollups_match_a_recompute()


def test_a_change_committed_during_a_drain_keeps_its_marker(
    strands, councils, settings, monkeypatch
):
    # The drain removes only the markers it read: a save that commits while
    # the recompute runs is recomputed by the next drain, not forgotten.
    # (No broker answers, so the save's own drain request fails and is
    # logged; it would otherwise wait for this drain's lock.)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6399/0"
    council = councils[0]
    services.investment_record(
        actor=SYSTEM, strand=strands["experts"], council=council,
        source=InvestmentSource.LGA_GRANT, financial_year="2013/14", amount=Decimal(100),
    )  # fmt: skip
    recomputing = threading.Event()
    saved = threading.Event()
    real_recompute = rollups.recompute_scopes

    def slow_recompute(scopes, now) -> None:
        real_recompute(scopes, now)
        recomputing.set()
        saved.wait(timeout=10)

    def save_meanwhile() -> None:
        recomputing.wait(timeout=10)
        services.investment_record(
            actor=SYSTEM, strand=strands["experts"], council=council,
            source=InvestmentSource.LGA_GRANT, financial_year="2013/14", amount=Decimal(5),
        )  # fmt: skip
        saved.set()

    thread, errors = in_thread(save_meanwhile)
    monkeypatch.setattr(rollups, "recompute_scopes", slow_recompute)
    rollups.drain_batch()
    monkeypatch.undo()
    thread.join(timeout=30)
    assert errors == []
    assert OutboxMarker.objects.count() == 1
    rollups_match_a_recompute()
    assert Rollup.objects.get(scope_key="*:*:*").investment == Decimal(105)
