"""Your council's bids, a page at a time: only your council's, with GOV.UK pagination."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmes.pagination import PER_PAGE
from tests.factories import ApplicationFactory, CallFactory

URL = reverse("applications:bid_list")


def bids(council, count: int) -> list:
    return ApplicationFactory.create_batch(count, lead_council=council, call=CallFactory())


def references(html: str) -> list[str]:
    return re.findall(r'<span class="govuk-body-s">(TEST-2013-\d+)</span>', html)


def test_the_first_page_shows_the_newest_bids_and_links_to_the_next(applicant_a_client, council_a):
    made = bids(council_a, PER_PAGE + 5)
    html = applicant_a_client.get(URL).content.decode()
    assert references(html) == [bid.reference for bid in reversed(made)][:PER_PAGE]
    assert "<title>Your council's bids (page 1 of 2) – " in html
    assert f"Showing bids 1 to {PER_PAGE} of {PER_PAGE + 5}" in html
    assert '<nav class="govuk-pagination" aria-label="Pages of bids">' in html
    assert 'href="?page=1" aria-label="Page 1" aria-current="page"' in html
    assert 'href="?page=2" aria-label="Page 2">' in html
    assert 'href="?page=2" rel="next"' in html
    assert 'rel="prev"' not in html


def test_the_last_page_shows_the_oldest_and_still_the_open_calls(applicant_a_client, council_a):
    made = bids(council_a, PER_PAGE + 5)
    html = applicant_a_client.get(URL, {"page": 2}).content.decode()
    assert references(html) == [bid.reference for bid in reversed(made)][PER_PAGE:]
    assert 'href="?page=1" rel="prev"' in html and 'rel="next"' not in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert "Calls open for bids" in html and made[0].call.title in html


@pytest.mark.parametrize(("raw", "page"), [("abc", 1), ("0", 1), ("-3", 1), ("99999", 2)])
def test_a_bad_page_value_shows_the_first_or_last_page(applicant_a_client, council_a, raw, page):
    bids(council_a, PER_PAGE + 1)
    response = applicant_a_client.get(URL, {"page": raw})
    assert response.status_code == 200
    assert f'aria-label="Page {page}" aria-current="page"' in response.content.decode()


def test_another_councils_bids_are_never_listed(applicant_a_client, council_a, council_b):
    ours = bids(council_a, PER_PAGE + 1)
    theirs = bids(council_b, PER_PAGE + 1)
    shown = [
        *references(applicant_a_client.get(URL).content.decode()),
        *references(applicant_a_client.get(URL, {"page": 2}).content.decode()),
    ]
    assert sorted(shown) == sorted(bid.reference for bid in ours)
    assert not set(shown) & {bid.reference for bid in theirs}


def test_a_short_list_has_no_pagination(applicant_a_client, council_a):
    bids(council_a, 2)
    html = applicant_a_client.get(URL).content.decode()
    assert len(references(html)) == 2
    assert "govuk-pagination" not in html and "Showing bids" not in html


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_bids(applicant_a_client, council_a):
    bids(council_a, 3)
    few = _queries(applicant_a_client, URL)
    bids(council_a, 3 * PER_PAGE)
    assert _queries(applicant_a_client, URL) == few
    assert _queries(applicant_a_client, URL, page=4) == few
