"""The panel's admin: lists without per-row queries, writes through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmes.growth.models import AdviserDay
from programmes.growth.services import adviser_days_log, adviser_match
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT
from tests.factories import CouncilFactory, UserFactory
from tests.growth.awards import growth_award, panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def awards(growth_call, council_a, council_b, applicant_a, applicant_b, officer):
    advisers = panel()
    bids = [
        growth_award(growth_call, council_a, applicant_a, officer),
        growth_award(growth_call, council_b, applicant_b, officer),
    ]
    for bid in bids:
        adviser_match(application=bid, adviser=advisers["covers"], actor=officer)
        adviser_days_log(application=bid, worked_on=date(2013, 9, 9), days=Decimal(1), actor=SYSTEM)
    return bids


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", ["adviser", "advisermatch", "adviserday"])
def test_changelists_do_not_query_per_row(officer_client, awards, model, growth_call, officer):
    url = reverse(f"admin:growth_{model}_changelist")
    before = (_queries(officer_client, url), _queries(officer_client, url, q="Casey"))
    # Twice the rows: a third and fourth council's award, matched and logged.
    for n in range(2):
        council = CouncilFactory(gss_code=f"E0700094{n}")
        applicant = UserFactory(council=council, role=APPLICANT)
        bid = growth_award(growth_call, council, applicant, officer)
        adviser_match(application=bid, adviser=panel()["covers"], actor=officer)
        adviser_days_log(application=bid, worked_on=date(2013, 9, 9), days=Decimal(1), actor=SYSTEM)
    after = (_queries(officer_client, url), _queries(officer_client, url, q="Casey"))
    assert after == before


def test_logging_days_in_the_admin_obeys_the_award(officer_client, awards):
    bid = awards[0]
    response = officer_client.post(
        reverse("admin:growth_adviserday_add"),
        {"application": bid.pk, "worked_on": "2013-10-01", "days": "12", "description": ""},
    )
    assert response.status_code == 200
    assert "Only 9 days left of the 10 awarded" in response.content.decode()
    response = officer_client.post(
        reverse("admin:growth_adviserday_add"),
        {"application": bid.pk, "worked_on": "2013-10-01", "days": "2", "description": ""},
    )
    assert response.status_code == 302
    day = AdviserDay.objects.get(application=bid, days=2)
    assert day.adviser.name == "Casey Covers"


def test_adding_an_adviser_in_the_admin(officer_client):
    response = officer_client.post(
        reverse("admin:growth_adviser_add"),
        {
            "name": "Riley Example",
            "source": "third_sector",
            "organisation": "",
            "support_regeneration": "on",
            "biography": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    from programmes.growth.models import Adviser

    assert Adviser.objects.get(name="Riley Example").expertise == ["Regeneration and housing"]
