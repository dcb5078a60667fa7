"""The ASCE admin: return edits go through the services, so the outbox is marked."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmes.asce.models import AsceReturn
from programmes.asce.services import asce_return_record
from programmes.permissions import SYSTEM
from savings.models import OutboxMarker

pytestmark = pytest.mark.django_db


@pytest.fixture
def asce_return(strands, council_a):
    return asce_return_record(
        actor=SYSTEM,
        council=council_a,
        financial_year="2012/13",
        budget=Decimal("1000000"),
        savings_achieved=Decimal("57000"),
        projections={"2013/14": Decimal("50000")},
    )


def test_editing_a_return_marks_the_outbox_for_old_and_new_years(officer_client, asce_return):
    OutboxMarker.objects.all().delete()
    response = officer_client.post(
        reverse("admin:asce_ascereturn_change", args=[asce_return.pk]),
        {
            "budget": "1000000",
            "savings_achieved": "70000",
            "projections": "2014/15: 40000",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    asce_return.refresh_from_db()
    assert asce_return.savings_achieved == Decimal("70000")
    assert list(asce_return.projections.values_list("financial_year", flat=True)) == ["2014/15"]
    assert set(OutboxMarker.objects.values_list("financial_year", flat=True)) == {
        "2012/13",
        "2013/14",
        "2014/15",
    }


def test_a_bad_projection_line_is_a_field_error(officer_client, asce_return):
    response = officer_client.post(
        reverse("admin:asce_ascereturn_change", args=[asce_return.pk]),
        {
            "budget": "1000000",
            "savings_achieved": "1",
            "projections": "2011/12: 5\nsoon",
            "notes": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: write a year and an amount" in page
    assert AsceReturn.objects.get().savings_achieved == Decimal("57000")


def test_an_impossible_projection_year_is_a_field_error_not_a_crash(officer_client, asce_return):
    response = officer_client.post(
        reverse("admin:asce_ascereturn_change", args=[asce_return.pk]),
        {
            "budget": "1000000",
            "savings_achieved": "1",
            "projections": "2013/15: 5",
            "notes": "",
        },
    )
    assert response.status_code == 200
    assert "Line 1: Enter a financial year" in response.content.decode()
    assert AsceReturn.objects.get().savings_achieved == Decimal("57000")


def test_adding_a_return_in_the_admin(officer_client, strands, council_b):
    response = officer_client.post(
        reverse("admin:asce_ascereturn_add"),
        {
            "council": council_b.pk,
            "financial_year": "2012/13",
            "budget": "2000000",
            "savings_achieved": "100000",
            "theme_carers": "on",
            "projections": "2013/14: 90000",
            "notes": "",
        },
    )
    assert response.status_code == 302
    created = AsceReturn.objects.get(council=council_b)
    assert created.themes == ["Supporting carers"]
    assert OutboxMarker.objects.filter(council=council_b).exists()


def test_deleting_a_return_marks_the_outbox(officer_client, asce_return):
    OutboxMarker.objects.all().delete()
    officer_client.post(
        reverse("admin:asce_ascereturn_delete", args=[asce_return.pk]), {"post": "yes"}
    )
    assert not AsceReturn.objects.exists()
    assert OutboxMarker.objects.filter(financial_year="2012/13").exists()


@pytest.mark.parametrize("model", ["ascereturn", "ascestatistic", "positionreport", "asceevent"])
def test_changelists_do_not_query_per_row(
    officer_client, asce_return, model, django_assert_max_num_queries
):
    for n in range(3):
        from tests.factories import CouncilFactory

        asce_return_record(
            actor=SYSTEM,
            council=CouncilFactory(),
            financial_year="2012/13",
            budget=Decimal("100"),
            savings_achieved=Decimal(n),
        )
    with django_assert_max_num_queries(12):
        response = officer_client.get(reverse(f"admin:asce_{model}_changelist"), {"q": ""})
    assert response.status_code == 200
