"""Property: any sequence of creates, updates and deletes, drained at any
points, leaves exactly the rollups that a recompute from scratch builds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.permissions import SYSTEM
from programmes.roles import OFFICER
from savings import rollups
from savings.models import Investment, InvestmentSource, Rollup, SavingsEntry, SavingsKind
from savings.services import (
    investment_delete,
    investment_record,
    investment_update,
    savings_entries_verify,
    savings_entry_delete,
    savings_entry_record,
    savings_entry_update,
)
from tests.factories import CouncilFactory, UserFactory

FIELDS = [f.name for f in Rollup._meta.fields if f.name not in {"id", "computed_at"}]
YEARS = ["2012/13", "2013/14", "2014/15"]
STRANDS = ["ope", "experts", "growth"]

amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False)
scope = st.tuples(st.sampled_from(STRANDS), st.integers(0, 2), st.sampled_from(YEARS))
operation = st.one_of(
    st.tuples(st.just("invest"), scope, amounts),
    st.tuples(st.just("save"), scope, amounts, st.sampled_from(SavingsKind.values), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 50), scope, amounts),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("verify"), st.integers(0, 50)),
    st.tuples(st.just("drain")),
)


def snapshot() -> list[tuple]:
    return sorted(Rollup.objects.values_list(*FIELDS))


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=25))
def test_drained_rollups_equal_a_recompute_from_scratch(strands, operations):
    with pytest.raises(Rollback), transaction.atomic():
        councils = [CouncilFactory(gss_code=f"E0700090{n}") for n in range(3)]
        officer = UserFactory(role=OFFICER)
        facts: list[Investment | SavingsEntry] = []

        def where(chosen):
            strand_key, council, year = chosen
            return {
                "strand": strands[strand_key],
                "council": councils[council],
                "financial_year": year,
            }

        for op in operations:
            if op[0] == "invest":
                facts.append(
                    investment_record(
                        actor=SYSTEM,
                        **where(op[1]),
                        source=InvestmentSource.LGA_GRANT,
                        amount=op[2],
                    )
                )
            elif op[0] == "save":
                kind, verified = op[3], op[4]
                facts.append(
                    savings_entry_record(
                        **where(op[1]),
                        kind=kind,
                        amount=op[2],
                        actor=officer,
                        verified=verified and kind == SavingsKind.REALISED,
                    )
                )
            elif op[0] in {"move", "delete", "verify"} and facts:
                fact = facts[op[1] % len(facts)]
                if op[0] == "move" and isinstance(fact, Investment):
                    investment_update(actor=SYSTEM, investment=fact, **where(op[2]), amount=op[3])
                elif op[0] == "move":
                    savings_entry_update(actor=SYSTEM, entry=fact, **where(op[2]), amount=op[3])
                elif op[0] == "verify" and isinstance(fact, SavingsEntry):
                    savings_entries_verify(entries=[fact], actor=officer)
                elif op[0] == "delete":
                    facts.remove(fact)
                    if isinstance(fact, Investment):
                        investment_delete(actor=SYSTEM, investment=fact)
                    else:
                        savings_entry_delete(actor=SYSTEM, entry=fact)
            elif op[0] == "drain":
                rollups.drain()
        rollups.drain()
        drained = snapshot()
        rollups.recompute_all()
        assert drained == snapshot()

        # And an oracle independent of the SQL: the programme total.
        programme = Rollup.objects.filter(scope_key="*:*:*").first()
        invested = sum((i.amount for i in Investment.objects.all()), Decimal(0))
        realised = sum(
            (
                s.amount
                for s in SavingsEntry.objects.filter(kind="realised", verified_at__isnull=False)
            ),
            Decimal(0),
        )
        if programme is None:
            assert not Investment.objects.exists() and not SavingsEntry.objects.exists()
        else:
            assert programme.investment == invested
            assert programme.realised == realised
        raise Rollback
