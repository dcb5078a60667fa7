"""Adviser days: never above the award, only inside the support window (para 18)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from programmes.growth.models import AdviserDay
from programmes.growth.selectors import adviser_days_for, advisers_suggested
from programmes.growth.services import adviser_days_log, adviser_match
from programmes.permissions import SYSTEM
from tests.applications.bids import bid_in_assessment
from tests.growth.awards import growth_award, panel

pytestmark = pytest.mark.django_db

IN_WINDOW = date(2013, 10, 1)


@pytest.fixture
def award(growth_call, council_a, applicant_a, officer):
    bid = growth_award(growth_call, council_a, applicant_a, officer, days=10)
    adviser_match(application=bid, adviser=panel()["covers"], actor=officer)
    return bid


def log(bid, days, worked_on=IN_WINDOW, actor=SYSTEM):
    return adviser_days_log(application=bid, worked_on=worked_on, days=Decimal(days), actor=actor)


def test_days_logged_count_against_the_award(award):
    log(award, "4")
    log(award, "2.5")
    support = adviser_days_for(application=award)
    assert support.used == Decimal("6.5")
    assert support.left == Decimal("3.5")


def test_it_refuses_days_above_the_award_counting_every_log(award):
    log(award, "6")
    with pytest.raises(ValidationError) as error:
        log(award, "4.5")
    assert error.value.message_dict["days"] == [
        "Only 4 days left of the 10 awarded: 6 days already logged"
    ]
    assert AdviserDay.objects.count() == 1


def test_the_last_day_of_the_award_can_be_logged(award):
    log(award, "9")
    log(award, "1")
    assert adviser_days_for(application=award).left == 0


@pytest.mark.parametrize(
    ("worked_on", "message"),
    [
        (date(2013, 8, 31), "on or after 1 September 2013, when the support window opens"),
        (date(2014, 3, 1), "on or before 28 February 2014, when the support window closes"),
    ],
)
def test_it_refuses_days_outside_the_support_window(award, worked_on, message):
    with pytest.raises(ValidationError) as error:
        log(award, "1", worked_on=worked_on)
    assert message in error.value.message_dict["worked_on"][0]
    assert not AdviserDay.objects.exists()


def test_the_first_and_last_days_of_the_window_are_inside_it(award):
    log(award, "1", worked_on=date(2013, 9, 1))
    log(award, "1", worked_on=date(2014, 2, 28))
    assert AdviserDay.objects.count() == 2


def test_it_refuses_quarter_days_and_nothing(award):
    for days, message in (("0.3", "whole or half days"), ("0", "more than 0")):
        with pytest.raises(ValidationError) as error:
            log(award, days)
        assert message in error.value.message_dict["days"][0]


def test_days_need_a_matched_adviser(growth_call, council_a, applicant_a, officer):
    bid = growth_award(growth_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="Match this bid to an adviser"):
        log(bid, "1")


def test_only_an_approved_bid_can_be_matched(growth_call, council_a, applicant_a, officer):
    bid = bid_in_assessment(growth_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="Only an approved bid"):
        adviser_match(application=bid, adviser=panel()["covers"], actor=officer)


def test_suggestions_are_advisers_covering_every_support_area(
    growth_call, council_a, applicant_a, officer
):
    bid = growth_award(growth_call, council_a, applicant_a, officer)
    advisers = panel()
    assert list(advisers_suggested(application=bid)) == [advisers["covers"]]


def test_advisers_who_left_the_panel_are_not_suggested(
    growth_call, council_a, applicant_a, officer
):
    from programmes.growth.services import adviser_upsert

    bid = growth_award(growth_call, council_a, applicant_a, officer)
    adviser_upsert(
        actor=SYSTEM,
        name="Casey Covers",
        source="business",
        expertise=["support_strategy", "support_inward_investment"],
        active=False,
    )
    assert list(advisers_suggested(application=bid)) == []
