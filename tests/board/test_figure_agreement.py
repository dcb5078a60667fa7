"""One number, one value: every figure the board sees is the same wherever it
appears (the overview's cards, the strand and council pages, the paper, the
CSVs), because each comes from one selector and one formatting function."""

import csv
import io
import re
from collections import defaultdict
from decimal import Decimal

from django.urls import reverse

from programmes.board import selectors
from programmes.board.charts import format_per_pound, format_pounds
from programmes.board.models import BoardPaper
from programmes.models import Council, Strand

FIGURE = re.compile(r'data-figure="([^"]+)">([^<]*)<')


def _figures(page: str) -> list[tuple[str, str]]:
    return FIGURE.findall(page)


def test_each_figure_reads_the_same_on_every_board_page(demo, officer_client):
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    pages = [reverse("board:overview")]
    pages += [reverse("board:strand", args=[strand.key]) for strand in Strand.objects.all()]
    pages += [
        reverse("board:council", args=[council.pk])
        for council in Council.objects.filter(short_name__in=["Allerdale", "Wyre Forest"])
    ]
    for path in pages:
        for name, value in _figures(officer_client.get(path).content.decode()):
            seen[name][value].add(path)
    disagreeing = {name: dict(values) for name, values in seen.items() if len(values) > 1}
    assert disagreeing == {}
    # Every strand's headline figures are on its card and its page, both.
    for strand in Strand.objects.all():
        for figure in ("invested", "projected", "realised", "projected-roi", "councils"):
            where = set().union(*seen[f"{strand.key}-{figure}"].values())
            assert len(where) >= 2, (strand.key, figure, where)

    # The cards the issue found disagreeing, now agreeing with their pages.
    assert seen["asce-councils"].keys() == {"10"}
    assert seen["ope-councils"].keys() == {"12"}
    assert seen["ope-awards"].keys() == {"12"}
    assert seen["experts-projected-roi"].keys() == {"£557 saved per £1"}


def test_the_paper_and_the_csvs_carry_the_same_figures(demo, officer_client):
    draft = BoardPaper.objects.get(state="draft")
    paper = officer_client.get(reverse("board:paper", args=[draft.pk])).content.decode()
    overview = officer_client.get(reverse("board:overview")).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                officer_client.get(reverse("board:overview_csv", args=["strands"]))
                .content.decode()
                .removeprefix("\ufeff")
            )
        )
    )
    header, by_strand = rows[0], {row[0]: row for row in rows[1:]}
    for item in selectors.programme_strand_figures():
        row = by_strand[item.strand.name]
        exact = dict(zip(header, row, strict=True))
        # CSV: exact values, always two places.
        assert exact["Invested"] == f"{item.rollup.investment:.2f}"
        assert exact["Projected savings"] == f"{item.rollup.projected:.2f}"
        assert exact["Councils taking part"] == str(item.councils)
        if item.rollup.projected_roi is not None:
            assert Decimal(exact["Projected £ saved per £1"]) == item.rollup.projected_roi
    experts = next(i for i in selectors.programme_strand_figures() if i.strand.key == "experts")
    # Read: the same value, formatted the same way, on the card and in the paper.
    for text in (
        format_pounds(experts.rollup.investment),
        format_pounds(experts.rollup.projected),
        format_per_pound(experts.rollup.projected_roi),
    ):
        assert text in overview
        assert text in paper
    # No bare ROI anywhere people read it.
    assert "556.85" not in overview
    assert "556.85" not in paper
