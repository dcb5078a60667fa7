"""A successor's board page shows its predecessors' history (issue 24,
"Predecessors and successors"): Cumberland's page shows Allerdale's figures
in a section of their own, Allerdale's page names Cumberland, and no figure
counts twice in any total. docs/board.md, "Predecessors"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from programmes.models import Council, CouncilKind
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import SavingsKind
from savings.selectors import Figures
from savings.services import savings_entry_record
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(page: str) -> str:
    assert 'id="predecessors"' in page
    return page.split('id="predecessors"', 1)[1].split("</table>", 1)[0]


@pytest.fixture
def cumbria(strands, council_a, django_capture_on_commit_callbacks):
    """Allerdale (with £2.3m verified savings in 2012/13, reported in 2014)
    and Carlisle, abolished on 1 April 2023 for Cumberland."""
    cumberland = CouncilFactory(
        name="Cumberland Council",
        short_name="Cumberland",
        gss_code="E06000063",
        kind=CouncilKind.UNITARY,
        created_on=date(2023, 4, 1),
    )
    carlisle = CouncilFactory(
        name="Carlisle City Council", short_name="Carlisle", gss_code="E07000028"
    )
    for earlier in (council_a, carlisle):
        earlier.abolished_on = date(2023, 4, 1)
        earlier.save()
        earlier.successors.set([cumberland])
    with django_capture_on_commit_callbacks(execute=True):
        savings_entry_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=council_a,
            financial_year="2012/13",
            kind=SavingsKind.REALISED,
            amount=Decimal("2300000"),
            reported_on=date(2014, 3, 1),
            verified=True,
            verified_at=datetime(2014, 3, 1, 9, tzinfo=UTC),
        )
    # With a broker (CI) the commit queues the drain for a worker these tests
    # do not run: drain here, as the worker would.
    rollups.drain()
    return cumberland, council_a, carlisle


def test_the_successor_page_shows_the_predecessors_history(board_client, cumbria):
    cumberland, allerdale, carlisle = cumbria
    page = board_client.get(reverse("board:council", args=[cumberland.pk])).content.decode()
    assert "History of the councils Cumberland Council replaced" in page
    section = _section(page)
    assert "<caption" in section
    row = section.split('data-predecessor="E07000026"', 1)[1].split("</tr>", 1)[0]
    assert reverse("board:council", args=[allerdale.pk]) in row
    assert "£2,300,000" in _text(row)
    assert "Carlisle City Council" in section
    including = section.split("data-including-predecessors", 1)[1].split("</tr>", 1)[0]
    assert "Cumberland Council including its predecessors" in _text(including)
    assert "£2,300,000" in _text(including)
    # Cumberland's own headline stays its own: nothing realised.
    headline = page.split('id="predecessors"', 1)[0]
    assert "£2,300,000" not in _text(headline)


def test_the_predecessor_page_names_its_successor(board_client, cumbria):
    cumberland, allerdale, _ = cumbria
    page = board_client.get(reverse("board:council", args=[allerdale.pk])).content.decode()
    text = _text(page)
    assert "Abolished 1 April 2023: succeeded by Cumberland Council" in text
    assert f'href="{reverse("board:council", args=[cumberland.pk])}"' in page
    assert "£2,300,000" in text
    assert 'id="predecessors"' not in page


def test_no_figure_counts_twice(board_client, cumbria):
    cumberland, allerdale, _ = cumbria
    assert Figures().total().realised == Decimal("2300000")
    assert Figures(council=cumberland).total().realised == 0
    assert Figures(council=allerdale).total().realised == Decimal("2300000")
    councils = board_client.get(reverse("board:councils")).content.decode()
    rows = [row for row in councils.split("<tr") if "£2,300,000" in row]
    assert len(rows) == 1
    assert "Allerdale Borough Council" in rows[0]
    assert "(now Cumberland Council)" in _text(rows[0])
    overview = _text(board_client.get(reverse("board:overview")).content.decode())
    assert "£4,600,000" not in overview


def test_the_councils_list_names_predecessors_by_a_successor_with_figures(
    board_client, cumbria, strands
):
    cumberland, _, _ = cumbria
    savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=cumberland,
        financial_year="2024/25",
        kind=SavingsKind.PROJECTED,
        amount=Decimal("1000"),
    )
    rollups.drain()
    page = _text(board_client.get(reverse("board:councils")).content.decode())
    assert (
        "Cumberland Council (replaced Allerdale Borough Council and Carlisle City Council" in page
    )


def test_before_the_successor_existed(board_client, cumbria):
    cumberland, allerdale, _ = cumbria
    url = reverse("board:council", args=[cumberland.pk])
    page = board_client.get(f"{url}?as_at=2015-01-01").content.decode()
    text = _text(page)
    assert "did not yet exist on 1 January 2015" in text
    section = _section(page)
    assert "as at 1 January 2015" in _text(section)
    assert "£2,300,000" in _text(section)
    assert "data-including-predecessors" not in section
    assert "?as_at=2015-01-01" in section
    # Before the saving was verified, none realised.
    early = board_client.get(f"{url}?as_at=2013-07-09").content.decode()
    assert "£2,300,000" not in _text(_section(early))


def test_the_predecessors_bids_and_returns_are_each_councils_own(board_client, cumbria):
    """The section reads every predecessor's figures in one grouped read:
    each row still holds that council's own bid count and returns, as its own
    board page counts them (council_bid_count, returns_summary)."""
    from programmes.board.selectors import council_bid_count, council_lineage
    from programmes.returns.selectors import returns_summary
    from tests.savings.returns import award, first_return, send

    cumberland, allerdale, carlisle = cumbria
    # Awarded in 2013, before they were abolished.
    Council.objects.filter(pk__in=[allerdale.pk, carlisle.pk]).update(abolished_on=None)
    send(first_return(award(allerdale)))
    # Carlisle a partner on Allerdale's second award: it counts for both.
    award(allerdale).partner_councils.add(carlisle)
    award(carlisle)
    Council.objects.filter(pk__in=[allerdale.pk, carlisle.pk]).update(abolished_on=date(2023, 4, 1))
    lineage = council_lineage(council=cumberland)
    assert [item.council for item in lineage.predecessors] == [allerdale, carlisle]
    for item in lineage.predecessors:
        assert item.bids == council_bid_count(council=item.council)
        assert item.returns == returns_summary(council=item.council)
    allerdale_row, carlisle_row = lineage.predecessors
    assert (allerdale_row.bids, carlisle_row.bids) == (2, 2)
    assert allerdale_row.returns.received == 1
    assert allerdale_row.returns.awards == 2
    assert carlisle_row.returns.overdue > 0


def test_the_predecessors_bid_counts_as_at_a_date_count_the_bids_sent_by_then(
    board_client, cumbria
):
    """As at a date the section counts each predecessor's bids as they stood
    then (`bids_as_at`): a bid sent after the date is not counted yet."""
    from django.utils import timezone

    from applications.models import ApplicationEvent
    from programmes.board.selectors import council_lineage
    from tests.savings.returns import award

    cumberland, allerdale, carlisle = cumbria
    Council.objects.filter(pk__in=[allerdale.pk, carlisle.pk]).update(abolished_on=None)
    early = award(allerdale)
    later = award(allerdale)
    later.partner_councils.add(carlisle)
    award(carlisle)
    Council.objects.filter(pk__in=[allerdale.pk, carlisle.pk]).update(abolished_on=date(2023, 4, 1))
    # The first bid's timeline in 2013; the others' today.
    ApplicationEvent.objects.filter(application=early).update(
        at=datetime(2013, 5, 1, 10, tzinfo=UTC)
    )
    ApplicationEvent.objects.exclude(application=early).update(at=timezone.now())

    def counts(as_at):
        return [item.bids for item in council_lineage(council=cumberland, as_at=as_at).predecessors]

    assert counts(date(2013, 4, 30)) == [0, 0]
    assert counts(date(2014, 1, 1)) == [1, 0]
    assert counts(timezone.localdate()) == counts(None) == [2, 2]
