"""`manage.py recompute_rollups` and drains racing each other."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import InvestmentSource, OutboxMarker, Rollup, SavingsKind
from savings.selectors import rollup_for
from savings.services import investment_record, savings_entry_record
from tests.factories import CouncilFactory

D = Decimal
FIELDS = [f.name for f in Rollup._meta.fields if f.name not in {"id", "computed_at"}]


def facts(strands, councils) -> None:
    for number, council in enumerate(councils):
        investment_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council,
            source=InvestmentSource.LGA_GRANT,
            financial_year="2013/14",
            amount=D(1000 + number),
        )
        savings_entry_record(
            actor=SYSTEM,
            strand=strands["ope"],
            council=council,
            financial_year="2012/13",
            kind=SavingsKind.PROJECTED,
            amount=D(5000 * number),
        )


@pytest.mark.django_db
def test_the_command_drains_the_outbox_with_progress(strands, capsys):
    facts(strands, [CouncilFactory() for _ in range(3)])
    call_command("recompute_rollups")
    out = capsys.readouterr().out
    assert "Draining 6 dirty scopes" in out
    assert "Recomputed 6 scopes." in out
    assert rollup_for().investment == D("3003")


@pytest.mark.django_db
def test_the_command_rebuilds_everything_or_one_strand(strands, capsys):
    facts(strands, [CouncilFactory() for _ in range(2)])
    rollups.drain()
    Rollup.objects.all().delete()  # as if the rollups were lost
    call_command("recompute_rollups", "--strand", "experts")
    assert rollup_for(strand=strands["experts"]).investment == D("2001")
    call_command("recompute_rollups", "--all")
    assert "level 8 of 8 done" in capsys.readouterr().out
    assert rollup_for().projected == D("5000")


@pytest.mark.django_db
def test_a_full_recompute_mends_wrong_rows_and_rewrites_only_those(strands):
    facts(strands, [CouncilFactory() for _ in range(3)])
    rollups.drain()
    right = sorted(Rollup.objects.values_list(*FIELDS))
    ids = dict(Rollup.objects.values_list("scope_key", "id"))
    programme = Rollup.objects.get(scope_key="*:*:*")
    ope = strands["ope"].pk
    # Wrong in every way a row can be: a total, a count, a ROI that should
    # be empty, a row for a scope with no facts, a row missing.
    wrong = list(Rollup.objects.filter(strand__isnull=False, council__isnull=False)[:4])
    Rollup.objects.filter(pk=wrong[0].pk).update(investment=D("1"))
    Rollup.objects.filter(pk=wrong[1].pk).update(savings_count=7)
    Rollup.objects.filter(pk=wrong[2].pk).update(projected_roi=D("2.5"))
    Rollup.objects.filter(pk=wrong[3].pk).delete()
    Rollup.objects.create(
        scope_key=f"{ope}:*:1999/00", strand_id=ope, financial_year="1999/00",
        computed_at=programme.computed_at,
    )  # fmt: skip
    mended = {wrong[0].scope_key, wrong[1].scope_key, wrong[2].scope_key, wrong[3].scope_key}

    rollups.recompute_all()

    assert sorted(Rollup.objects.values_list(*FIELDS)) == right
    after = dict(Rollup.objects.values_list("scope_key", "id"))
    assert {key for key in after if after[key] != ids.get(key)} == mended
    # The programme row says when the figures were last checked.
    assert Rollup.objects.get(scope_key="*:*:*").computed_at > programme.computed_at


@pytest.mark.django_db
def test_an_unknown_strand_is_refused(strands):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No strand 'nope'"):
        call_command("recompute_rollups", "--strand", "nope")


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_leave_the_rows_of_a_recompute_from_scratch(strands):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the advisory lock is PostgreSQL's")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip(
            "needs markers left for the drains: without a broker each commit drains at once"
        )
    facts(strands, [CouncilFactory() for _ in range(20)])
    assert OutboxMarker.objects.exists()
    errors = []

    def drain() -> None:
        try:
            rollups.drain()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    drained = sorted(Rollup.objects.values_list(*FIELDS))
    rollups.recompute_all()
    assert sorted(Rollup.objects.values_list(*FIELDS)) == drained
    assert not OutboxMarker.objects.exists()
