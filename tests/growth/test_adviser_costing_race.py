"""Two officers costing the same adviser days at once, on two real database
connections (PostgreSQL): one costs them, the other is told they are
already costed, and no day is on two claims."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from programmes.growth.models import AdviserCosting, AdviserDayCost
from programmes.payments.models import Claim
from programmes.roles import OFFICER
from tests.factories import UserFactory
from tests.growth.costing import cost, matched_award
from tests.payments.test_races import first_holds_then_second


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_two_officers_costing_the_same_days_at_once_cost_them_once(
    growth_call, council_a, applicant_a, officer
):
    bid = matched_award(growth_call, council_a, applicant_a, officer)
    other = UserFactory(username="other-officer", is_staff=True, role=OFFICER)
    errors = first_holds_then_second(
        lambda: cost(bid, invoice="EGP-101", actor=officer),
        lambda: cost(bid, invoice="EGP-101-COPY", actor=other),
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    costing = AdviserCosting.objects.get()
    assert errors[0].message_dict == {
        "period_from": [
            "The days logged from 1 September 2013 to 31 October 2013 have already been "
            f"costed (claim {costing.claim_id}): choose a period with days not yet costed"
        ]
    }
    assert costing.costed_by == officer
    assert Claim.objects.count() == 1
    assert AdviserDayCost.objects.count() == 2


@pytest.mark.django_db
def test_the_database_holds_a_day_on_one_live_costing_only(
    growth_call, council_a, applicant_a, officer
):
    """The constraint behind the bid's lock: a second live line for a day is refused."""
    line = cost(
        matched_award(growth_call, council_a, applicant_a, officer), actor=officer
    ).lines.first()
    assert line is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviserDayCost.objects.create(
            costing=line.costing,
            adviser_day=line.adviser_day,
            days=line.days,
            day_rate=line.day_rate,
            amount=Decimal(0),
        )
