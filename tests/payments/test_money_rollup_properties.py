"""Property: any sequence of awards, claims, approvals, payments, claims sent
back, reductions and withdrawals, drained at any points, leaves exactly the
money rollups that a recompute from scratch builds, and they add up to the
awards and claims themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import Strand
from programmes.payments import services
from programmes.payments.models import LIVE_CLAIM_STATES, Claim, ClaimState, Commitment, MoneyRollup
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT
from savings import rollups
from savings.models import InvestmentSource
from savings.services import investment_record
from tests.factories import CouncilFactory, UserFactory

FIELDS = (
    "strand_id",
    "council_id",
    "financial_year",
    "call_id",
    "committed",
    "awarded",
    "awards",
    "claimed",
    "paid",
)
YEARS = ["2012/13", "2013/14"]
STRANDS = ["ope", "experts"]

amounts = st.decimals(min_value=1, max_value=100_000, places=2, allow_nan=False)
scope = st.tuples(st.sampled_from(STRANDS), st.integers(0, 1), st.sampled_from(YEARS))
pick = st.integers(0, 30)
operation = st.one_of(
    st.tuples(st.just("allocate"), scope, amounts),
    st.tuples(st.just("claim"), pick, amounts),
    st.tuples(st.just("pay"), pick),
    st.tuples(st.just("send_back"), pick),
    st.tuples(st.just("reduce"), pick, amounts),
    st.tuples(st.just("withdraw"), pick),
    st.tuples(st.just("drain")),
)


def snapshot() -> list[tuple]:
    return sorted(MoneyRollup.objects.values_list(*FIELDS))


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=20))
def test_drained_money_rollups_equal_a_recompute_from_scratch(operations):
    strands = {strand.key: strand for strand in Strand.objects.filter(key__in=STRANDS)}
    with pytest.raises(Rollback), transaction.atomic():
        councils = [CouncilFactory(gss_code=f"E0700091{n}") for n in range(2)]
        applicants = [
            UserFactory(username=f"money-{n}", council=council, role=APPLICANT)
            for n, council in enumerate(councils)
        ]
        awards: list[Commitment] = []
        claims: list[Claim] = []
        for op in operations:
            try:
                if op[0] == "allocate":
                    strand_key, council, year = op[1]
                    investment = investment_record(
                        actor=SYSTEM,
                        strand=strands[strand_key],
                        council=councils[council],
                        financial_year=year,
                        source=InvestmentSource.LGA_GRANT,
                        amount=op[2],
                    )
                    awards.append(services.commitment_allocate(investment=investment, actor=SYSTEM))
                elif op[0] == "claim" and awards:
                    award = awards[op[1] % len(awards)]
                    award.refresh_from_db()
                    claims.append(
                        services.claim_submit(
                            commitment=award,
                            actor=applicants[councils.index(award.council)],
                            amount=op[2],
                            period_from=date(2013, 4, 1),
                            period_to=date(2013, 6, 30),
                            invoice_reference=f"INV-{len(claims)}",
                            declaration=True,
                        )
                    )
                elif op[0] == "pay" and claims:
                    found = claims[op[1] % len(claims)]
                    approved = services.claim_approve(claim=found, actor=SYSTEM)
                    services.claim_pay(
                        claim=approved, actor=SYSTEM, paid_on=date(2013, 7, 1), reference="P"
                    )
                elif op[0] == "send_back" and claims:
                    services.claim_send_back(
                        claim=claims[op[1] % len(claims)],
                        actor=SYSTEM,
                        reason="No invoice attached",
                    )
                elif op[0] == "reduce" and awards:
                    services.commitment_reduce(
                        commitment=awards[op[1] % len(awards)],
                        amount=op[2],
                        actor=SYSTEM,
                        reason="The council needs less",
                    )
                elif op[0] == "withdraw" and awards:
                    services.commitment_withdraw(
                        commitment=awards[op[1] % len(awards)],
                        actor=SYSTEM,
                        reason="The council withdrew",
                    )
                elif op[0] == "drain":
                    rollups.drain()
            except ValidationError:
                pass  # refused (over what remains, already paid...): nothing changed
        rollups.drain()
        drained = snapshot()
        rollups.recompute_all()
        assert drained == snapshot()

        # An oracle independent of the SQL: the totals of the facts.
        def total(rows, field) -> Decimal:
            return sum((getattr(row, field) for row in rows), Decimal(0))

        rolled = MoneyRollup.objects.all()
        live = Claim.objects.filter(state__in=LIVE_CLAIM_STATES)
        assert total(rolled, "committed") == total(Commitment.objects.all(), "amount")
        assert total(rolled, "claimed") == total(live, "amount")
        assert total(rolled, "paid") == total(live.filter(state=ClaimState.PAID), "amount")
        raise Rollback
