"""Officers view an appointment in the admin; it is a record of a decision, shown read-only."""

from datetime import date

import pytest

from programmes.experts import services
from tests.experts.test_admin import approved_bid

pytestmark = pytest.mark.django_db


def test_an_appointment_opens_read_only_in_the_admin(officer_client, officer, experts_call):
    bid = approved_bid(experts_call, officer, 1)
    appointment = services.appointment_create(
        application=bid, starts_on=date(2013, 7, 1), actor=officer
    )
    response = officer_client.get(f"/admin/experts/appointment/{appointment.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "View appointment" in page
    assert bid.reference in page
    # Read-only: no form field to change the bid or the dates, no save button.
    assert 'name="application"' not in page
    assert 'name="starts_on"' not in page
    assert 'name="_save"' not in page
