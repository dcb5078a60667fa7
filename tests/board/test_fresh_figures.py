"""The board's cached figures change as soon as the data behind them does
(issue 26): bid counts, awards and a council's bids are kept in the cache
under the board's data version (programmes.versions), which the services
replace in the transaction that changes a bid; savings facts and returns
reach the board through the rollups. Each test reads a page, changes the
data through a service, and reads the page again: never the old figure."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services as bids
from programmes import versions
from programmes.models import DataVersion
from programmes.permissions import SYSTEM
from programmes.returns import services as return_services
from programmes.services import strand_update
from savings import rollups
from savings.models import SavingsKind
from savings.services import savings_entry_record
from tests.applications.bids import bid_submitted
from tests.savings.returns import award, first_return, line, send

D = Decimal


def table(page: str, caption: str) -> dict[str, list[str]]:
    """A board table's rows, by their first cell, as the page shows them."""
    start = page.index(f'pp-table-wrapper__caption">{caption}')
    body = page[start : page.index("</table>", start)]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def overview(client) -> str:
    return client.get(reverse("board:overview")).content.decode()


def experts_bids(client) -> list[str]:
    """The Productivity Experts row of "Bids by strand and state" (states in
    order, then all bids), or nothing while the strand has no bid."""
    return table(overview(client), "Bids by strand and state").get("Productivity Experts", [])


def experts_figures(client) -> list[str]:
    return table(overview(client), "Investment and savings by strand")["Productivity Experts"]


def test_a_bid_sent_assessed_and_approved_changes_the_bid_counts_at_once(
    strands, board_client, council_a, experts_call
):
    assert experts_bids(board_client) == []
    bid = bid_submitted(experts_call, council_a, SYSTEM)
    # Draft, submitted, in assessment, more information, approved, declined,
    # withdrawn, all bids.
    assert experts_bids(board_client) == ["0", "1", "0", "0", "0", "0", "0", "1"]
    bid = bids.application_assessment_start(application=bid, actor=SYSTEM)
    assert experts_bids(board_client)[1:3] == ["0", "1"]
    bids.application_approve(application=bid, actor=SYSTEM, award_amount=D("8000"), notify=False)
    assert experts_bids(board_client)[2:5] == ["0", "0", "1"]
    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert "Bids approved" in page


def test_a_withdrawn_bid_leaves_the_count_at_once(strands, board_client, council_a, experts_call):
    bid = bid_submitted(experts_call, council_a, SYSTEM)
    assert experts_bids(board_client)[1] == "1"
    bids.application_withdraw(application=bid, actor=SYSTEM, notify=False)
    assert experts_bids(board_client)[1] == "0"
    assert experts_bids(board_client)[6] == "1"


def test_a_renamed_strand_is_renamed_in_the_cached_bid_counts(
    strands, board_client, council_a, experts_call
):
    bid_submitted(experts_call, council_a, SYSTEM)
    assert experts_bids(board_client)
    strand_update(strand=strands["experts"], data={"name": "Experts renamed"}, actor=SYSTEM)
    rows = table(overview(board_client), "Bids by strand and state")
    assert "Experts renamed" in rows
    assert "Productivity Experts" not in rows


def test_a_councils_page_lists_its_new_bid_at_once(strands, board_client, council_a, experts_call):
    url = reverse("board:council", args=[council_a.pk])
    assert "Productivity Experts" not in board_client.get(url).content.decode()
    bid = bid_submitted(experts_call, council_a, SYSTEM)
    page = board_client.get(url).content.decode()
    assert bid.reference in page
    assert "Productivity Experts" in page


def test_a_savings_fact_changes_the_figures_at_once(strands, board_client, council_a):
    before = experts_figures(board_client)
    savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2013/14",
        kind=SavingsKind.PROJECTED,
        amount=D("43210"),
    )
    rollups.drain()  # the worker's job after the commit, which a test never reaches
    after = experts_figures(board_client)
    # Invested, target, projected: the projected savings moved.
    assert (before[2], after[2]) == ("£0", "£43,210")


def test_a_verified_return_changes_the_realised_savings_at_once(
    strands, board_client, council_a, officer
):
    savings_return = first_return(award(council_a, strand=strands["experts"]))
    line(savings_return, "3000")
    send(savings_return)
    rollups.drain()
    assert experts_figures(board_client)[3] == "£0"  # realised (verified)
    return_services.return_verify(actor=officer, savings_return=savings_return)
    rollups.drain()
    assert experts_figures(board_client)[3] == "£3,000"


def test_the_version_is_read_once_per_request(strands, board_client, council_a, experts_call):
    bid_submitted(experts_call, council_a, SYSTEM)
    board_client.get(reverse("board:overview"))  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        board_client.get(reverse("board:overview"))
    reads = [q for q in queries.captured_queries if "programmes_dataversion" in q["sql"]]
    assert len(reads) == 1


def test_a_bump_rolled_back_never_gives_its_version_again(db):
    versions.version_get(versions.BOARD)
    seen = set()
    for _ in range(3):
        try:
            with transaction.atomic():
                versions.version_bump(versions.BOARD)
                seen.add(versions.version_get(versions.BOARD))
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    versions.version_bump(versions.BOARD)
    # Whatever was cached inside a rolled-back transaction is never found again.
    assert versions.version_get(versions.BOARD) not in seen
    assert len(seen) == 3


def test_a_database_without_the_version_row_gets_one(strands, board_client):
    DataVersion.objects.all().delete()
    cache.clear()
    assert board_client.get(reverse("board:overview")).status_code == 200
    assert DataVersion.objects.filter(name=versions.BOARD).count() == 1
