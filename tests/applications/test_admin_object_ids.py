"""The bid assessment page answers an id that names no bid as the admin does: not found."""

import pytest
from django.urls import reverse

from tests.applications.bids import bid_submitted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%20", "1%00", "99999999", "-1"])
def test_an_id_that_names_no_bid_redirects_to_the_admin_index(officer_client, object_id):
    response = officer_client.get(f"/admin/applications/application/{object_id}/change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    page = officer_client.get(response["Location"]).content.decode()
    assert "doesn’t exist. Perhaps it was deleted?" in page


def test_an_existing_bid_still_opens_its_assessment_page(
    officer_client, officer, experts_call, council_a, applicant_a
):
    bid = bid_submitted(experts_call, council_a, applicant_a)
    response = officer_client.get(f"/admin/applications/application/{bid.pk}/change/")
    assert response.status_code == 200
    assert f"Assess {bid.reference}" in response.content.decode()
