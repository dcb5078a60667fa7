"""The second factor follows the role, not `is_staff`.

Every other officer in the suite is staff, and staff are asked for a code
whatever their role; so these personas hold their role by group alone
(tests/conftest.py): an LGA officer and a board member who are not staff.
With a password alone neither may open any of their role's pages; with the
code they open them all. Take officers (or board members) out of the roles
that must give a second factor (programmes/twofactor/policy.py) and these fail.
"""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from programmes.roles import BOARD_MEMBER, OFFICER, user_role
from programmes.twofactor.policy import two_factors_required
from tests.factories import UserFactory
from tests.growth.awards import growth_award
from tests.test_url_sweep import Page, pages
from tests.twofactor.helpers import app_device, code_for, password_step

pytestmark = pytest.mark.django_db

VERIFY = reverse("twofactor:verify")
SETUP = reverse("twofactor:setup")
PERSONAS = ("officer_by_group", "board_by_group")


@pytest.fixture
def role_pages(strands, growth_call, council_a, applicant_a, officer_by_group) -> dict:
    """The pages each persona's role opens (200 once both factors are given)."""
    # Approved by the officer by group: their writes need no staff flag either.
    award = growth_award(growth_call, council_a, applicant_a, officer_by_group).reference
    board = [
        reverse("board:overview"),
        reverse("board:councils"),
        reverse("board:council", args=[council_a.pk]),
        reverse("board:strand", args=["experts"]),
        reverse("board:papers"),
    ]
    officer = [
        reverse("growth:adviser_support", args=[award]),
        reverse("growth:adviser_choose", args=[award]),
        reverse("growth:days_log", args=[award]),
    ]
    return {"officer_by_group": board + officer, "board_by_group": board}


def _code_page(url: str) -> str:
    return f"{VERIFY}?{urlencode({'next': url})}"


@pytest.mark.parametrize(("persona", "role"), [(PERSONAS[0], OFFICER), (PERSONAS[1], BOARD_MEMBER)])
def test_the_role_alone_asks_for_two_factors(request, persona, role):
    user = request.getfixturevalue(persona)
    assert not user.is_staff and not user.is_superuser
    assert user_role(user) == role
    assert two_factors_required(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_password_alone_opens_none_of_the_roles_pages(client, request, role_pages, persona):
    user = request.getfixturevalue(persona)
    assert password_step(client, user.username)["Location"].startswith(VERIFY)
    for url in role_pages[persona]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == _code_page(url)
    # Without a device the code page leads to set-up, never round to the page.
    assert client.get(_code_page(role_pages[persona][0]))["Location"].startswith(SETUP)


@pytest.mark.parametrize("persona", PERSONAS)
def test_with_a_device_the_code_opens_every_page_of_the_role(client, request, role_pages, persona):
    user = request.getfixturevalue(persona)
    device = app_device(user)
    password_step(client, user.username)
    for url in role_pages[persona]:
        assert client.get(url)["Location"] == _code_page(url)

    client.post(VERIFY, {"code": code_for(device)})
    for url in role_pages[persona]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_password_alone_opens_no_page_a_user_without_a_role_cannot_open(
    client, request, role_pages, persona
):
    """Every page without path values (a new one is checked without touching
    this file), and the role's own: whatever a password alone opens for these
    roles, it opens for a signed-in user with no role at all."""
    user = request.getfixturevalue(persona)
    password_step(client, user.username)
    no_role = Client()
    no_role.force_login(UserFactory(username="no-role"))
    plain = [page.url({}) for page in pages() if isinstance(page, Page) and not page.params]
    opened = {
        url
        for url in plain + role_pages[persona]
        if url != reverse("logout") and client.get(url).status_code == 200
    }
    assert opened, "no page at all: the sweep lost its pages"
    assert {url for url in opened if no_role.get(url).status_code != 200} == set()


def test_an_officer_by_group_gets_the_board_but_not_the_admin(officer_by_group_client):
    """Django's admin is for staff only: the group gives an officer the board and
    their pages (above), not the admin, even with both factors."""
    assert officer_by_group_client.get(reverse("board:overview")).status_code == 200
    response = officer_by_group_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_account_page_tells_them_their_role_needs_it(client, request, persona):
    user = request.getfixturevalue(persona)
    password_step(client, user.username)
    page = client.get(reverse("twofactor:account")).content.decode()
    assert "Your role needs two-factor sign-in" in page
