"""ASCE statistics: mean, median and mode of savings as % of budget, per year."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from programmes.asce.models import AsceStatistic
from programmes.asce.selectors import asce_statistics, asce_statistics_by_year
from programmes.asce.services import asce_return_delete, asce_return_record, asce_return_update
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import OutboxMarker
from tests.factories import CouncilFactory

D = Decimal


@pytest.fixture
def four_returns(strands):
    """Hand-worked: 7%, 7%, 3%, 5.4% achieved in 2012/13; 6% and 5% projected for 2013/14."""
    a, b, c, d = (CouncilFactory() for _ in range(4))
    asce_return_record(
        actor=SYSTEM,
        council=a,
        financial_year="2012/13",
        budget=D("100000"),
        savings_achieved=D("7000"),
        projections={"2013/14": D("6000")},
        themes=["theme_carers"],
    )
    asce_return_record(
        actor=SYSTEM,
        council=b,
        financial_year="2012/13",
        budget=D("200000"),
        savings_achieved=D("14000"),
        projections={"2013/14": D("10000")},
    )
    asce_return_record(
        actor=SYSTEM,
        council=c,
        financial_year="2012/13",
        budget=D("50000"),
        savings_achieved=D("1500"),
    )
    asce_return_record(
        actor=SYSTEM,
        council=d,
        financial_year="2012/13",
        budget=D("100000"),
        savings_achieved=D("5400"),
    )
    return a, b, c, d


@pytest.mark.django_db
def test_statistics_match_figures_worked_by_hand(four_returns):
    assert OutboxMarker.objects.exists()
    rollups.drain()
    table = asce_statistics_by_year()
    achieved = table["2012/13"]["achieved"]
    assert achieved.council_count == 4
    # (7 + 7 + 3 + 5.4) / 4 = 5.6; median of 3, 5.4, 7, 7 = 6.2; mode 7.
    assert achieved.mean_percent == D("5.60")
    assert achieved.median_percent == D("6.20")
    assert achieved.mode_percent == 7
    projected = table["2013/14"]["projected"]
    assert projected.council_count == 2
    assert projected.mean_percent == D("5.50")
    # 6% and 5% tie for the mode: the lower is reported.
    assert projected.mode_percent == 5
    assert "achieved" not in table["2013/14"]


@pytest.mark.django_db
def test_a_later_return_replaces_the_earlier_projection(four_returns):
    a = four_returns[0]
    asce_return_record(
        actor=SYSTEM,
        council=a,
        financial_year="2013/14",
        budget=D("100000"),
        savings_achieved=D("4000"),
        projections={"2014/15": D("3000")},
    )
    first = a.asce_returns.get(financial_year="2012/13")
    asce_return_update(
        actor=SYSTEM,
        asce_return=first,
        budget=D("100000"),
        savings_achieved=D("7000"),
        projections={"2013/14": D("6000"), "2014/15": D("9000")},
    )
    rollups.drain()
    # Council A's 2014/15 projection comes from its 2013/14 return (3%), not 9%.
    (row,) = asce_statistics(financial_year="2014/15")
    assert row.measure == "projected"
    assert row.mean_percent == D("3.00")


@pytest.mark.django_db
def test_deleting_the_last_return_of_a_year_removes_its_statistics(strands):
    council = CouncilFactory()
    asce_return = asce_return_record(
        actor=SYSTEM,
        council=council,
        financial_year="2012/13",
        budget=D("100"),
        savings_achieved=D("5"),
    )
    rollups.drain()
    assert AsceStatistic.objects.filter(financial_year="2012/13").exists()
    asce_return_delete(actor=SYSTEM, asce_return=asce_return)
    rollups.drain()
    assert not AsceStatistic.objects.exists()


@pytest.mark.django_db
def test_a_full_recompute_gives_the_same_statistics(four_returns):
    rollups.drain()
    before = sorted(
        AsceStatistic.objects.values_list(
            "financial_year",
            "measure",
            "council_count",
            "mean_percent",
            "median_percent",
            "mode_percent",
        )
    )
    AsceStatistic.objects.all().delete()
    rollups.recompute_all()
    after = sorted(
        AsceStatistic.objects.values_list(
            "financial_year",
            "measure",
            "council_count",
            "mean_percent",
            "median_percent",
            "mode_percent",
        )
    )
    assert after == before


@pytest.mark.django_db
def test_the_percentage_is_derived_from_budget_and_savings(four_returns):
    a = four_returns[0]
    assert a.asce_returns.get().achieved_percent == D(7)


@pytest.mark.django_db
def test_it_rejects_savings_above_the_budget_and_projections_for_past_years(strands):
    council = CouncilFactory()
    with pytest.raises(ValidationError, match="more than the budget"):
        asce_return_record(
            actor=SYSTEM,
            council=council,
            financial_year="2012/13",
            budget=D("100"),
            savings_achieved=D("101"),
        )
    with pytest.raises(ValidationError, match="after the return's year"):
        asce_return_record(
            actor=SYSTEM,
            council=council,
            financial_year="2012/13",
            budget=D("100"),
            savings_achieved=D("1"),
            projections={"2011/12": D("1")},
        )
    assert not OutboxMarker.objects.exists()


def test_the_demo_returns_reproduce_the_board_papers_figures(demo):
    table = asce_statistics_by_year()
    first = table["2012/13"]["achieved"]
    # Board paper para 13.1: an average 5.7% of budget, modal saving 7%.
    assert (first.council_count, first.mean_percent, first.mode_percent) == (10, D("5.70"), 7)
    # Para 13.2: projections of 5.7%, 5.3% and 4.9%.
    assert [
        table[year]["projected"].mean_percent for year in ("2013/14", "2014/15", "2015/16")
    ] == [
        D("5.70"),
        D("5.30"),
        D("4.90"),
    ]
