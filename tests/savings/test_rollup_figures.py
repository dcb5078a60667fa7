"""Rollups recomputed from facts match figures worked out by hand."""

from decimal import Decimal

import pytest

from programmes.permissions import SYSTEM
from programmes.roles import OFFICER
from savings import rollups
from savings.models import InvestmentSource, OutboxMarker, Rollup, SavingsKind
from savings.selectors import rollup_for, rollups_by_council, rollups_by_strand, rollups_by_year
from savings.services import investment_record, savings_entry_record
from tests.factories import CouncilFactory, UserFactory

D = Decimal


@pytest.fixture
def experts_figures(strands, council_a, council_b):
    """A slice of the board paper's Experts figures (para 8), built through services."""
    experts = strands["experts"]
    officer = UserFactory(username="verifier", role=OFFICER)
    investment_record(
        actor=SYSTEM,
        strand=experts,
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("6000"),
    )
    investment_record(
        actor=SYSTEM,
        strand=experts,
        council=council_b,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("4000"),
    )
    # Allerdale: £2.3m realised (verified) against a £1m target.
    savings_entry_record(
        actor=SYSTEM,
        strand=experts,
        council=council_a,
        financial_year="2012/13",
        kind=SavingsKind.TARGET,
        amount=D("1000000"),
    )
    savings_entry_record(
        strand=experts,
        council=council_a,
        financial_year="2012/13",
        kind=SavingsKind.REALISED,
        amount=D("2300000"),
        actor=officer,
        verified=True,
    )
    # Wyre Forest: £700,000 a year in 2012/13, projected.
    savings_entry_record(
        actor=SYSTEM,
        strand=experts,
        council=council_b,
        financial_year="2012/13",
        kind=SavingsKind.PROJECTED,
        amount=D("700000"),
        recurrence="recurring",
    )
    # A council's own return, not yet verified: shown apart, not realised.
    savings_entry_record(
        actor=SYSTEM,
        strand=experts,
        council=council_b,
        financial_year="2013/14",
        kind=SavingsKind.REALISED,
        amount=D("50000"),
    )
    # Another strand and year.
    investment_record(
        actor=SYSTEM,
        strand=strands["ope"],
        council=council_a,
        source=InvestmentSource.CABINET_OFFICE,
        financial_year="2013/14",
        amount=D("23000"),
    )
    return experts


@pytest.mark.django_db
def test_a_drain_builds_every_level_from_the_facts(experts_figures, council_a, council_b):
    scopes = OutboxMarker.objects.values_list("strand", "council", "financial_year")
    assert scopes.distinct().count() == 4
    rollups.drain()
    assert not OutboxMarker.objects.exists()
    experts = experts_figures

    allerdale = rollup_for(strand=experts, council=council_a, financial_year="2012/13")
    assert allerdale.investment == D("6000")
    assert allerdale.target == D("1000000")
    assert allerdale.realised == D("2300000")
    # £2,300,000 / £6,000 = 383.33 saved per £1.
    assert allerdale.realised_roi == D("383.33")
    assert allerdale.projected_roi == D("0")

    strand_total = rollup_for(strand=experts)
    assert strand_total.investment == D("10000")
    assert strand_total.projected == D("700000")
    assert strand_total.realised == D("2300000")
    assert strand_total.realised_unverified == D("50000")
    assert strand_total.council_count == 2
    assert strand_total.savings_count == 4
    assert strand_total.investment_count == 2
    # £700,000 / £10,000 = 70; £2,300,000 / £10,000 = 230.
    assert strand_total.projected_roi == D("70")
    assert strand_total.realised_roi == D("230")

    programme = rollup_for()
    assert programme.investment == D("33000")
    assert programme.council_count == 2
    # £2,300,000 / £33,000 = 69.696... -> 69.70
    assert programme.realised_roi == D("69.70")

    year = rollup_for(financial_year="2013/14")
    assert year.investment == D("23000")
    assert year.realised_unverified == D("50000")
    assert year.council_count == 2

    wyre_forest = rollup_for(council=council_b)
    assert wyre_forest.investment == D("4000")
    assert wyre_forest.council_count == 1

    assert [row.financial_year for row in rollups_by_year(strand=experts)] == [
        "2012/13",
        "2013/14",
    ]
    assert [row.strand.key for row in rollups_by_strand()] == ["ope", "experts"]
    assert [row.council for row in rollups_by_council(strand=experts)] == [council_a, council_b]


@pytest.mark.django_db
def test_a_scope_without_facts_reads_as_zeros(strands):
    empty = rollup_for(strand=strands["growth"], council=CouncilFactory())
    assert empty.investment == 0
    assert empty.realised_roi is None


@pytest.mark.django_db
def test_a_recompute_from_scratch_gives_the_same_rows_as_the_drain(experts_figures):
    rollups.drain()
    drained = sorted(Rollup.objects.values_list(*FIELDS))
    rollups.recompute_all()
    assert sorted(Rollup.objects.values_list(*FIELDS)) == drained
    rollups.recompute_all()
    assert sorted(Rollup.objects.values_list(*FIELDS)) == drained


FIELDS = (
    "scope_key",
    "strand_id",
    "council_id",
    "financial_year",
    "investment",
    "investment_count",
    "projected",
    "target",
    "realised",
    "realised_unverified",
    "savings_count",
    "council_count",
    "projected_roi",
    "realised_roi",
)


@pytest.mark.django_db
def test_the_experts_figures_give_557_to_1(strands, officer):
    """Board paper para 8: 7 appointments, 10 councils, £46,000 in, £25,615,000 projected."""
    experts = strands["experts"]
    councils = [CouncilFactory() for _ in range(10)]
    # Seven appointments; three of them serve two councils each.
    shares = [
        (D("8000"), [D("1000000")]),
        (D("6000"), [D("700000")]),
        (D("9000"), [D("10300000")]),
        (D("5000"), [D("3000000"), D("1000000")]),
        (D("6000"), [D("2000000"), D("2000000")]),
        (D("7000"), [D("2615000"), D("1000000")]),
        (D("5000"), [D("2000000")]),
    ]
    served = iter(councils)
    for invested, projections in shares:
        appointment_councils = [next(served) for _ in projections]
        investment_record(
            actor=SYSTEM,
            strand=experts,
            council=appointment_councils[0],
            source=InvestmentSource.LGA_GRANT,
            financial_year="2013/14",
            amount=invested,
        )
        for council, projected in zip(appointment_councils, projections, strict=True):
            savings_entry_record(
                actor=SYSTEM,
                strand=experts,
                council=council,
                financial_year="2013/14",
                kind=SavingsKind.PROJECTED,
                amount=projected,
            )
    savings_entry_record(
        strand=experts,
        council=councils[0],
        financial_year="2013/14",
        kind=SavingsKind.REALISED,
        amount=D("2300000"),
        actor=officer,
        verified=True,
    )
    rollups.drain()
    total = rollup_for(strand=experts)
    assert total.investment == D("46000")
    assert total.projected == D("25615000")
    assert total.council_count == 10
    assert total.investment_count == 7
    # £25,615,000 / £46,000 = 556.847... : "about 557 to 1".
    assert total.projected_roi == D("556.85")
    assert total.realised == D("2300000")
