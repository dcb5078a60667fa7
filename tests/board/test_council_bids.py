"""A council's board page lists its bids a page at a time; the CSV has them all."""

import csv
import io
import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import ApplicationState
from programmes.pagination import PER_PAGE
from programmes.versions import BOARD, version_bump
from tests.factories import ApplicationFactory, CallFactory, GrowthCallFactory


def page_url(council) -> str:
    return reverse("board:council", args=[council.pk])


def listed(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="govuk-table__header">(TEST-2013-\d+)</th>', html)


def test_the_page_shows_a_page_of_bids_led_or_partnered_and_links_on(
    board_client, council_a, council_b
):
    call = CallFactory()
    led = ApplicationFactory.create_batch(PER_PAGE, lead_council=council_a, call=call)
    partnered = ApplicationFactory(lead_council=council_b, call=call)
    partnered.partner_councils.add(council_a)
    ApplicationFactory(lead_council=council_b, call=call)  # not council A's
    ApplicationFactory(lead_council=council_a, call=call, state=ApplicationState.DRAFT)
    newest_first = [bid.reference for bid in reversed([*led, partnered])]

    first = board_client.get(page_url(council_a)).content.decode()
    assert listed(first) == newest_first[:PER_PAGE]
    assert "(led by Wyre Forest District Council)" in first
    assert f"Showing bids 1 to {PER_PAGE} of {PER_PAGE + 1}" in first
    assert 'href="?page=2#bids" rel="next"' in first
    assert f"Download all {PER_PAGE + 1} bids as CSV" in first

    last = board_client.get(page_url(council_a), {"page": "99999"}).content.decode()
    assert 'aria-label="Page 2" aria-current="page"' in last
    assert listed(last) == newest_first[PER_PAGE:]
    assert "Strands it takes part in" in last


def test_the_strands_list_names_the_strand_of_a_bid_on_another_page(board_client, council_a):
    oldest = ApplicationFactory(lead_council=council_a, call=GrowthCallFactory())
    ApplicationFactory.create_batch(PER_PAGE, lead_council=council_a, call=CallFactory())
    first = board_client.get(page_url(council_a)).content.decode()
    assert oldest.reference not in listed(first)
    strands = first.split("Strands it takes part in")[1].split("</ul>")[0]
    assert "Local Economic Growth Advisers" in strands and "Productivity Experts" in strands


def test_the_csv_keeps_every_bid_and_only_the_councils(board_client, council_a, council_b):
    call = CallFactory()
    ours = ApplicationFactory.create_batch(PER_PAGE + 3, lead_council=council_a, call=call)
    ApplicationFactory(lead_council=council_b, call=call)
    response = board_client.get(reverse("board:council_csv", args=[council_a.pk, "bids"]))
    rows = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert rows[0][:2] == ["Reference", "Title"]
    assert sorted(row[0] for row in rows[1:]) == sorted(bid.reference for bid in ours)


def _queries(client, url: str, **params) -> int:
    # The first render, nothing cached (the council's bid count and strands
    # are kept under the board's version): the most queries the page makes.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_bids(board_client, council_a, council_b):
    call = CallFactory()
    ApplicationFactory.create_batch(2, lead_council=council_a, call=call)
    few = _queries(board_client, page_url(council_a))
    for bid in ApplicationFactory.create_batch(3 * PER_PAGE, lead_council=council_b, call=call):
        bid.partner_councils.add(council_a)
    # The factory writes rows directly; the services would have bumped the
    # board's version, under which the council's bid count is cached.
    version_bump(BOARD)
    assert _queries(board_client, page_url(council_a)) == few
    assert _queries(board_client, page_url(council_a), page=3) == few


def test_an_applicant_cannot_download_a_councils_bids(applicant_a_client, council_a):
    ApplicationFactory(lead_council=council_a, call=CallFactory())
    url = reverse("board:council_csv", args=[council_a.pk, "bids"])
    assert applicant_a_client.get(url).status_code == 404
