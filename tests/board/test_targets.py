"""Targets read honestly (issue 23): a headline sets realised savings against
targets only for the councils that set one, and says how many; a target
nobody set reads "none set", never £0. Every figure comes from
savings.selectors.targets_compared."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.urls import reverse

from programmes.models import Council
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import SavingsKind
from savings.selectors import targets_compared
from savings.services import savings_entry_record


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _headline(page: str) -> str:
    return _text(page.split("Realised savings (verified)")[1].split("Reported, awaiting")[0])


def test_the_overview_sets_realised_savings_against_the_targets_of_those_that_set_one(
    demo, board_client
):
    page = board_client.get(reverse("board:overview")).content.decode()
    headline = _headline(page)
    # Camden's untargeted £250,000 is no longer set against Allerdale's target.
    assert "£2,550,000" in headline
    assert "against its target of £1,000,000" in headline
    assert "£2,300,000 of it by the 1 council that set a target" in headline
    assert "£2,550,000 against" not in headline


def test_a_council_or_strand_without_a_target_reads_none_set_never_0(demo, board_client):
    camden = Council.objects.get(short_name="Camden")
    page = board_client.get(reverse("board:council", args=[camden.pk])).content.decode()
    assert "Savings target: none set" in _headline(page)
    # Its strands table: "None set" where the target was £0.
    assert "National Procurement Strategy £0 None set £0 £250,000" in _text(page)
    strand = board_client.get(reverse("board:strand", args=["procurement"])).content.decode()
    assert "Savings target: none set" in _headline(strand)
    # The CSVs say so too, and keep Allerdale's real target exact.
    body = board_client.get(reverse("board:strand_csv", args=["experts", "councils"]))
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.content.decode()))}
    assert rows["Wyre Forest District Council"][4] == "None set"
    assert rows["Allerdale Borough Council"][4] == "1000000.00"
    overview = board_client.get(reverse("board:overview_csv", args=["strands"]))
    rows = {row[0]: row for row in csv.reader(io.StringIO(overview.content.decode()))}
    assert rows["One Public Estate"][2] == "None set"


def _saving(strand, council, kind: str, amount: str) -> None:
    savings_entry_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        financial_year="2013/14",
        kind=kind,
        amount=Decimal(amount),
        verified=kind == SavingsKind.REALISED,
    )


def test_only_the_councils_and_strands_with_a_target_are_compared(
    strands, council_a, council_b, board_client
):
    experts, growth = strands["experts"], strands["growth"]
    # Council A: a target in Experts, savings realised there and in Growth.
    _saving(experts, council_a, SavingsKind.TARGET, "100000")
    _saving(experts, council_a, SavingsKind.REALISED, "40000")
    _saving(growth, council_a, SavingsKind.REALISED, "7000")
    # Council B: no target anywhere, savings realised in Experts.
    _saving(experts, council_b, SavingsKind.REALISED, "900000")
    rollups.drain()

    programme = targets_compared()
    assert (programme.unit, programme.with_target) == ("council", 1)
    assert (programme.realised, programme.target) == (Decimal("40000"), Decimal("100000"))
    assert targets_compared(strand=experts).realised == Decimal("40000")
    assert targets_compared(strand=growth).with_target == 0
    own = targets_compared(council=council_a)
    assert (own.unit, own.with_target, own.realised) == ("strand", 1, Decimal("40000"))
    assert targets_compared(council=council_b).with_target == 0

    # A second council sets a target: both counted, their targets added.
    _saving(experts, council_b, SavingsKind.TARGET, "500000")
    rollups.drain()
    both = targets_compared(strand=experts)
    assert (both.with_target, both.realised, both.target) == (
        2,
        Decimal("940000"),
        Decimal("600000"),
    )

    page = _headline(board_client.get(reverse("board:overview")).content.decode())
    assert (
        "£940,000 of it by the 2 councils that set a target, against their targets of £600,000"
        in page
    )
    page = _headline(
        board_client.get(reverse("board:council", args=[council_a.pk])).content.decode()
    )
    assert (
        "£40,000 of it in the 1 strand where the council set a target, against a target of £100,000"
        in page
    )
