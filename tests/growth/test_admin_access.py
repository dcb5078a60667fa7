"""Role x URL for the new admin pages of ASCE, Growth Advisers and Procurement.

Officers work here; everyone else (applicants, board members, who are not
staff, an officer by group who is not staff, and anonymous visitors) is sent
to the admin sign-in.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = [
    "growth_adviser",
    "growth_advisermatch",
    "growth_adviserday",
    "asce_ascereturn",
    "asce_ascestatistic",
    "asce_positionreport",
    "asce_asceevent",
    "procurement_workstreamsaving",
]
# persona -> (changelist, add page); statistics have no add page
EXPECTED = {
    "applicant_a": (302, 302),
    "applicant_b": (302, 302),
    "officer": (200, 200),
    # The admin is for staff: the officer's group alone does not open it.
    "officer_by_group": (302, 302),
    "board_member": (302, 302),
    "board_by_group": (302, 302),
    "anonymous": (302, 302),
}


@pytest.mark.parametrize("persona", EXPECTED)
def test_role_by_admin_url_matrix(client, request, persona, strands):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    changelist, add = EXPECTED[persona]
    for model in MODELS:
        response = client.get(reverse(f"admin:{model}_changelist"))
        assert response.status_code == changelist, (persona, model)
        if model == "asce_ascestatistic":
            continue
        response = client.get(reverse(f"admin:{model}_add"))
        assert response.status_code == add, (persona, model)
