"""A posted choice that cannot be an id is a form error in the admin, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("council", ["abc", "1.5", "99999999999999999999"])
def test_an_autocomplete_choice_that_is_not_an_id_is_a_form_error(officer_client, strands, council):
    response = officer_client.post(
        reverse("admin:savings_investment_add"),
        {
            "strand": strands["experts"].pk,
            "council": council,
            "source": "lga_grant",
            "financial_year": "2013/14",
            "amount": "100",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_many_to_many_choice_past_any_id_is_a_form_error(officer_client):
    response = officer_client.post(
        reverse("admin:ope_event_add"),
        {
            "title": "Launch",
            "kind": "launch",
            "held_on": "2013-06-25",
            "councils": ["99999999999999999999"],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
