"""Dashboards run the same number of queries whatever the data size."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import InvestmentSource, SavingsKind
from savings.services import investment_record, savings_entry_record
from tests.factories import CouncilFactory

YEARS = ["2012/13", "2013/14", "2014/15"]


def build(strands, count: int, capture) -> None:
    """`count` councils, each with investment and savings in every strand and year."""
    with capture(execute=True):
        for n in range(count):
            council = CouncilFactory()
            for strand in strands.values():
                for year in YEARS:
                    investment_record(
                        actor=SYSTEM,
                        strand=strand,
                        council=council,
                        source=InvestmentSource.LGA_GRANT,
                        financial_year=year,
                        amount=Decimal(1000 + n),
                    )
                    savings_entry_record(
                        actor=SYSTEM,
                        strand=strand,
                        council=council,
                        financial_year=year,
                        kind=SavingsKind.PROJECTED,
                        amount=Decimal(50000 + n),
                    )


def page_urls(council_pk: int) -> dict[str, str]:
    return {
        "overview": reverse("board:overview"),
        "experts": reverse("board:strand", args=["experts"]),
        "asce": reverse("board:strand", args=["asce"]),
        "procurement": reverse("board:strand", args=["procurement"]),
        "council": reverse("board:council", args=[council_pk]),
        "councils_csv": reverse("board:strand_csv", args=["experts", "councils"]),
        "papers": reverse("board:papers"),
    }


# Every page starts with the session and the user with its groups' names and
# confirmed devices' keys in one (2 queries: programmes.signedin; it was 4,
# the user's groups and the verifying device apart, before issue 26);
# the rest are rollup levels, freshness (1: when computed, the worker's
# heartbeat and the outbox's oldest change, three subqueries of one query,
# where they were 3 before issue 26's board work; no database probe, the page
# has read the database),
# strands and fixed-size strand reads. Every strand's figures (StrandFigures:
# the same on the card, the strand page and the paper) add its awards and
# councils taking part: 3 grouped queries for the bid-based strands, 1 for
# OPE's pilots, 1 for ASCE's councils. Bid counts and awards, and a council's
# bid count and strands, are kept in the cache under the board's data version
# (programmes.versions: one primary-key lookup, once per request): (first
# render, a later one with the bids unchanged). The council page's bids are a
# paginated list: with none, no slice is read (tests/board/test_council_bids.py
# holds it flat as bids grow). Strand and council pages add 2 for the savings
# returns table (returns_summary: per period, and per award for the share up
# to date). The overview adds 1 for realised savings against targets
# (targets_compared; the strand and council pages use the rows they read).
# A strand page lists every council served (strand_councils_served: for a
# bid-based strand the awards' leads, partners and shares, 3 queries kept in
# the cache under the board's version, then the councils by key, 1, when
# there are any); procurement's headline and table read its workstream leads
# (1 each, on the overview too), ASCE's table the councils with a return (1),
# and the Experts page its case studies (1) and appointments (1, and 2 with
# their councils and their shares with theirs when there are any; the
# count of appointments is the table's rows). The overview's realised
# savings against targets are summed by the database (1 query, as before).
# The council page reads the register's successor links (1; and 1 for the
# linked councils when there are any: programmes.board.selectors.council_lineage).
EXPECTED = {
    "overview": (16, 12),
    "experts": (18, 12),
    "asce": (12, 12),
    "procurement": (13, 13),
    "council": (15, 13),
    "councils_csv": (16, 10),
    "papers": (3, 3),
}


@pytest.mark.parametrize("size", [1, 6])
def test_dashboards_run_a_fixed_number_of_queries(
    size, strands, board_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    build(strands, size, django_capture_on_commit_callbacks)
    from programmes.models import Council

    council = Council.objects.order_by("pk").last()
    for name, url in page_urls(council.pk).items():
        cache.clear()
        for expected in EXPECTED[name]:
            with django_assert_num_queries(expected):
                assert board_client.get(url).status_code == 200, name


def test_cached_bid_counts_change_as_soon_as_a_bid_does(
    strands, board_client, council_a, experts_call
):
    from applications.services import application_create

    cache.clear()
    overview = reverse("board:overview")
    assert "Bids by strand and state" in board_client.get(overview).content.decode()
    application_create(call=experts_call, council=council_a, actor=SYSTEM)
    page = board_client.get(overview).content.decode()
    bids = page.split("Bids by strand and state", 1)[1]
    row = bids.split("Productivity Experts</th>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in row


def test_pages_as_at_a_date_run_the_same_queries_at_any_size(
    strands, board_client, django_capture_on_commit_callbacks
):
    """As at a date the figures come from the facts (docs/board.md, "As at a
    date"): still a fixed number of queries, first render and later ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from programmes.models import Council

    def counts() -> dict[str, list[int]]:
        council = Council.objects.order_by("pk").first()
        found = {}
        for name, url in page_urls(council.pk).items():
            if name == "papers":
                continue
            cache.clear()
            found[name] = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as queries:
                    # Today: the facts built here are dated today.
                    dated = f"{url}?as_at={timezone.localdate().isoformat()}"
                    assert board_client.get(dated).status_code == 200, name
                found[name].append(len(queries))
        return found

    build(strands, 1, django_capture_on_commit_callbacks)
    small = counts()
    build(strands, 5, django_capture_on_commit_callbacks)
    assert counts() == small


# A successor's page (docs/board.md, "Predecessors"): the council page's, the
# linked councils (1), and for all its predecessors at once their totals
# (every council's grouped figures: 1 now; as at a date the programme's
# figures, 1 query summing the rollups by month and the facts of the date's
# own month, kept in the cache, and their councils, 1; the council's own
# figures as at the date are 1 query too),
# their bid counts (1, cached under the board's version) and their returns
# (1): the same whether it replaced one council or three (it grew by 4 per
# predecessor before). Now and as at a date, first render and a later one.
SUCCESSOR_PAGE = {"": [19, 16], "?as_at=2013-07-09": [19, 14]}


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("predecessors", [1, 3])
def test_a_successor_page_runs_a_fixed_number_of_queries(
    size, predecessors, strands, board_client, django_capture_on_commit_callbacks
):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programmes.models import Council, CouncilKind

    build(strands, size, django_capture_on_commit_callbacks)
    successor = CouncilFactory(kind=CouncilKind.UNITARY, gss_code="E06000063")
    earlier_councils = [Council.objects.order_by("pk").first()]
    earlier_councils += [CouncilFactory() for _ in range(predecessors - 1)]
    for earlier in earlier_councils:
        earlier.abolished_on = date(2023, 4, 1)
        earlier.save()
        earlier.successors.set([successor])
    rollups.drain()  # the worker's drain: with a broker (CI) none runs in-process
    url = reverse("board:council", args=[successor.pk])
    found = {}
    for dated in ("", "?as_at=2013-07-09"):
        cache.clear()
        found[dated] = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                page = board_client.get(url + dated)
            assert page.status_code == 200
            html = page.content.decode()
            assert "History of the councils" in html
            assert html.count("data-predecessor=") == predecessors
            found[dated].append(len(queries))
    assert found == SUCCESSOR_PAGE


# The officer's preview of a draft paper (every figure and paragraph computed
# as at its figures date, docs/board.md, "Board papers"): the same number of
# queries at any data size, first render and a later one. It was 60 at
# 10,000 bids before issue 26's board work: each strand's savings returns
# took 2 queries (now 2 for every strand at once, returns_summaries_by_strand),
# the programme's figures were read twice and freshness took 3; then 56,
# until the figures as at a date were summed in the database (one summary
# per scope, not a read of the finest rows and of their councils).
DRAFT_PAPER = [44, 31]


@pytest.mark.parametrize("size", [1, 6])
def test_a_draft_paper_preview_runs_a_fixed_number_of_queries(
    size, strands, officer_client, django_capture_on_commit_callbacks
):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programmes.board.services import paper_create, paper_publish

    build(strands, size, django_capture_on_commit_callbacks)
    rollups.drain()
    meeting = date.today()
    paper_publish(
        paper=paper_create(actor=SYSTEM, meeting_date=date(2013, 7, 17), contact_name="A"),
        actor=SYSTEM,
    )
    draft = paper_create(actor=SYSTEM, meeting_date=meeting, contact_name="Robin Example")
    cache.clear()
    found = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            page = officer_client.get(reverse("board:paper", args=[draft.pk]))
        assert page.status_code == 200
        assert "Draft, not published" in page.content.decode()
        found.append(len(queries))
    assert found == DRAFT_PAPER
