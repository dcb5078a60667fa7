"""Who sees the board pages: board members and officers; applicants get 404."""

import pytest
from django.urls import reverse

BOARD_URLS = [
    ("board:overview", []),
    ("board:overview_csv", ["strands"]),
    ("board:strand", ["experts"]),
    ("board:strand_csv", ["experts", "councils"]),
    ("board:councils", []),
    ("board:council", None),
    ("board:council_csv", None),
    ("board:papers", []),
]


def _url(name, args, council):
    if args is None:
        args = [council.pk] + (["strands"] if name.endswith("_csv") else [])
    return reverse(name, args=args)


@pytest.fixture
def pages(strands, council_a):
    return [_url(name, args, council_a) for name, args in BOARD_URLS]


@pytest.mark.parametrize("persona", ["board_client", "officer_client"])
def test_board_members_and_officers_see_every_board_page(request, persona, pages):
    client = request.getfixturevalue(persona)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_an_applicant_gets_404_on_every_board_page(applicant_a_client, pages):
    for url in pages:
        assert applicant_a_client.get(url).status_code == 404, url


def test_the_old_update_address_leads_to_the_board_papers(board_client):
    response = board_client.get(reverse("board:update"), {"date": "2013-07-17"})
    assert response.status_code == 302
    assert response["Location"] == reverse("board:papers")


def test_an_applicant_gets_404_even_for_their_own_councils_page(
    applicant_a_client, council_a, strands
):
    assert applicant_a_client.get(reverse("board:council", args=[council_a.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_an_unknown_table_or_strand_is_404(board_client, strands):
    assert board_client.get(reverse("board:overview_csv", args=["nothing"])).status_code == 404
    assert board_client.get(reverse("board:strand", args=["nothing"])).status_code == 404


def test_open_data_needs_no_sign_in(client, db):
    assert client.get(reverse("opendata:index")).status_code == 200
    assert client.get(reverse("opendata:csv")).status_code == 200


def test_nothing_on_the_board_pages_is_editable(board_client, strands):
    page = board_client.get(reverse("board:overview")).content.decode()
    assert 'method="post"' not in page.replace('method="post" action="/sign-out/"', "")
