"""Every write path marks the outbox in the fact's own transaction, and the
drain is asked for only after commit."""

from decimal import Decimal

import pytest
from django.db import transaction

from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import Investment, InvestmentSource, OutboxMarker, SavingsEntry, SavingsKind
from savings.services import (
    investment_delete,
    investment_record,
    investment_update,
    investments_delete,
    savings_entries_delete,
    savings_entries_verify,
    savings_entry_delete,
    savings_entry_record,
    savings_entry_update,
)
from tests.factories import CouncilFactory

D = Decimal


def markers() -> set[tuple[str, str, str]]:
    return set(
        OutboxMarker.objects.values_list("strand__key", "council__short_name", "financial_year")
    )


@pytest.fixture
def grant(strands, council_a):
    investment = investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("6000"),
    )
    rollups.drain()
    return investment


@pytest.fixture
def saving(strands, council_a):
    entry = savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2012/13",
        kind=SavingsKind.REALISED,
        amount=D("2300000"),
    )
    rollups.drain()
    return entry


@pytest.mark.django_db
def test_recording_investment_marks_its_scope(strands, council_a):
    investment_record(
        actor=SYSTEM,
        strand=strands["ope"],
        council=council_a,
        source=InvestmentSource.CABINET_OFFICE,
        financial_year="2013/14",
        amount=D("23000"),
    )
    assert markers() == {("ope", "Allerdale", "2013/14")}


@pytest.mark.django_db
def test_moving_investment_to_another_council_marks_both_scopes(grant, council_b):
    investment_update(actor=SYSTEM, investment=grant, council=council_b, financial_year="2013/14")
    assert markers() == {("experts", "Allerdale", "2012/13"), ("experts", "Wyre Forest", "2013/14")}


@pytest.mark.django_db
def test_deleting_investment_marks_its_scope(grant):
    investment_delete(actor=SYSTEM, investment=grant)
    assert markers() == {("experts", "Allerdale", "2012/13")}
    rollups.drain()
    assert not Investment.objects.exists()


@pytest.mark.django_db
def test_bulk_deleting_investment_marks_every_scope(grant, strands, council_b):
    investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_b,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("1"),
    )
    investments_delete(actor=SYSTEM, investments=Investment.objects.all())
    assert markers() == {("experts", "Allerdale", "2012/13"), ("experts", "Wyre Forest", "2012/13")}


@pytest.mark.django_db
def test_recording_updating_and_deleting_savings_mark_their_scopes(saving, council_b):
    savings_entry_update(actor=SYSTEM, entry=saving, council=council_b)
    assert markers() == {("experts", "Allerdale", "2012/13"), ("experts", "Wyre Forest", "2012/13")}
    rollups.drain()
    savings_entry_delete(actor=SYSTEM, entry=saving)
    assert markers() == {("experts", "Wyre Forest", "2012/13")}


@pytest.mark.django_db
def test_bulk_deleting_savings_marks_their_scopes(saving):
    savings_entries_delete(actor=SYSTEM, entries=SavingsEntry.objects.all())
    assert markers() == {("experts", "Allerdale", "2012/13")}


@pytest.mark.django_db
def test_verifying_marks_the_scope_and_moves_the_saving_into_realised(saving, officer):
    from savings.selectors import rollup_for

    assert rollup_for().realised == 0
    assert rollup_for().realised_unverified == D("2300000")
    assert savings_entries_verify(entries=[saving], actor=officer) == 1
    assert markers() == {("experts", "Allerdale", "2012/13")}
    rollups.drain()
    assert rollup_for().realised == D("2300000")
    assert rollup_for().realised_unverified == 0


@pytest.mark.django_db
def test_changing_a_verified_amount_needs_verifying_again(saving, officer):
    savings_entries_verify(entries=[saving], actor=officer)
    savings_entry_update(actor=SYSTEM, entry=saving, amount=D("2400000"))
    saving.refresh_from_db()
    assert not saving.is_verified


@pytest.mark.django_db
def test_a_rejected_fact_leaves_no_marker(strands, council_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        investment_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council_a,
            source=InvestmentSource.LGA_GRANT,
            financial_year="2013/15",
            amount=D("10"),
        )
    assert not OutboxMarker.objects.exists()


@pytest.mark.django_db
def test_the_drain_is_asked_for_only_after_commit(
    strands, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        investment_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council_a,
            source=InvestmentSource.LGA_GRANT,
            financial_year="2012/13",
            amount=D("10"),
        )
    assert [callback.__name__ for callback in callbacks] == ["rollups_drain_request"]


@pytest.mark.django_db
def test_a_rolled_back_change_asks_for_nothing(
    strands, council_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        investment_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council_a,
            source=InvestmentSource.LGA_GRANT,
            financial_year="2012/13",
            amount=D("10"),
        )
        raise RuntimeError("the view failed after the save")
    assert callbacks == []
    assert not OutboxMarker.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_drain_runs_in_process_after_commit(settings, strands, council_a):
    from savings.selectors import rollup_for

    settings.CELERY_TASK_ALWAYS_EAGER = True
    investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("46000"),
    )
    assert rollup_for().investment == D("46000")
    assert not OutboxMarker.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_keeps_the_save_and_the_marker(settings, strands, caplog):
    # Nothing listens on this port: the drain request fails after commit.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6399/0"
    council = CouncilFactory()
    investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("46000"),
    )
    assert Investment.objects.count() == 1
    assert OutboxMarker.objects.count() == 1
    assert "rollups_drain_request" in caplog.text


@pytest.mark.django_db
def test_many_changes_in_one_transaction_ask_for_one_drain(
    strands, council_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for number in range(5):
            investment_record(
                actor=SYSTEM,
                strand=strands["experts"],
                council=council_a,
                source=InvestmentSource.LGA_GRANT,
                financial_year="2012/13",
                amount=D(number),
            )
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_lose_the_drain_request(
    strands, council_a, django_capture_on_commit_callbacks
):
    record = {
        "strand": strands["experts"], "council": council_a,
        "source": InvestmentSource.LGA_GRANT, "financial_year": "2012/13", "amount": D(1),
    }  # fmt: skip
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            investment_record(actor=SYSTEM, **record)
            raise RuntimeError("undo this one")
        investment_record(actor=SYSTEM, **record)
    assert len(callbacks) == 1
    assert OutboxMarker.objects.count() == 1
