"""The demo's published 17 July 2013 paper against the source paper's paragraphs
1-32 (tests/board/paper_2013_facts.py): every fact there, every figure as the
data has it, the source's headings, about as many words, nobody named."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from programmes.board.models import BoardPaper
from programmes.board.paper import paper_view
from tests.board.paper_2013_facts import FIGURES, HEADINGS, MEETING, SOURCE_WORDS, TOLD

# The people and contact details the source paper names, as SHA-256 of their
# lower-case words, so that the repository holds none of them either: the
# contact officer's name, e-mail and phone, and the three people at the launch.
NAMED_IN_SOURCE = {
    "9d634190077616dea4e6b281992c1a104ad5ba1438f992f2947d390efcdbf328",
    "03f722d93906eae1da876d67b2a0b75c821ed03ecf497814c2ddab5d48d2229d",
    "a2a47f0c6bc455db653da35cdfce06a4e47668fab5558f4650b8b87747c51828",
    "93369c646a4c605edca7d6aa84c52e8961dc56c64e07c84e35acf9360d358714",
    "8d79907c66ddac4ce8abff0d8efce1be6d3e8b18b2f9726adbfe6564be9e1212",
    "d1c667af9c5e1c7f6f35378da81f77c000c87c8e815eb0af3159e7d031865a4f",
    "a85771d91825c088b389386d64b0c0643cbf28981ebc3259d5a9c88f766b7d84",
    "7d149c9c604c8dd1f9461527af731f0b9f5483bfd29c4e104c66689ed614f651",
}


def _july() -> BoardPaper:
    return BoardPaper.objects.get(meeting_date=MEETING)


def _text() -> str:
    return paper_view(_july()).text()


def test_the_july_2013_paper_tells_every_fact_the_source_tells(demo):
    text = _text()
    missing = [f"para {number}: {phrase}" for number, phrase in TOLD if phrase not in text]
    assert missing == []


def test_every_figure_of_the_july_2013_paper_is_the_datas(demo):
    text = _text()
    missing = [
        f"para {number}, {what}: {read()!r}" for number, what, read in FIGURES if read() not in text
    ]
    assert missing == []


def test_the_papers_sections_are_the_sources_headings_in_order(demo):
    headings = [section.heading for section in paper_view(_july()).sections]
    assert headings == HEADINGS


def test_the_paper_is_within_15_percent_of_the_sources_words(demo):
    words = len(_text().split())
    assert abs(words - SOURCE_WORDS) <= SOURCE_WORDS * 0.15, words


def test_nobody_the_source_names_is_in_the_paper(demo, board_client):
    page = board_client.get(reverse("board:paper", args=[_july().pk])).content.decode()
    words = [word.strip(".,;:()'\"").lower() for word in re.sub(r"<[^>]+>", " ", page).split()]
    grams = {
        " ".join(words[start : start + size])
        for size in (1, 2, 3)
        for start in range(len(words) - size + 1)
    }
    named = {hashlib.sha256(gram.encode()).hexdigest() for gram in grams} & NAMED_IN_SOURCE
    assert named == set()
    # Who attended the launch, by role.
    assert "the Leader of Surrey County Council" in page


def test_the_july_paper_says_nothing_that_came_after_it(demo):
    text = _text()
    # No One Public Estate round: the twelve pilots were already working.
    ope = next(section for section in paper_view(_july()).sections if section.key == "ope")
    assert not [text for _number, text in ope.numbered if "open for applications" in text]
    assert "One Public Estate pilots 2013" not in text
    assert "No bids had been received by the date of this paper" in text
    # The EU deal was reached before the paper; the plenary was still to come.
    assert "Deal on the Procurement and Concessions Directives: reached on" in text
    assert "expected" not in text.split("Deal on the Procurement")[1].split(".")[0]
    # Resources are still to be allocated once the plans are signed off.
    assert "have been allocated" not in text
    # The energy work stream reports by the Board's September meeting, as the source says.
    assert "30 September" not in text


def test_the_demos_narrative_holds_no_figure(demo):
    """Figures come from the data: the narrative has no money, percentage or
    count, only the years and names the source tells (2012, 2013/14, NAG4LGP)."""
    told = "\n".join(text for parts in _july().narrative.values() for text in parts.values())
    assert "£" not in told and "%" not in told
    assert set(re.findall(r"\d[\d,/]*(?:\.\d+)*", told)) <= {"2012", "2013/14", "4"}


def test_the_paper_page_shows_its_agenda_item(demo, board_client):
    page = board_client.get(reverse("board:paper", args=[_july().pk])).content.decode()
    assert "Improvement and Innovation Board · 17 July 2013 · Item 8" in page


def test_the_workstreams_stored_facts_are_on_the_procurement_page(demo, board_client):
    from programmes.procurement.models import Workstream

    page = board_client.get(reverse("board:strand", args=["procurement"])).content.decode()
    for workstream in Workstream.objects.exclude(key_facts=""):
        assert workstream.key_facts.replace("'", "&#x27;") in page


@pytest.mark.browser
def test_the_printed_paper_has_its_item_page_numbers_and_the_services_title(demo):
    from programmes import printing
    from programmes.board.printing import paper_footer, paper_header, paper_html

    paper = _july()
    try:
        pdf = printing.pdf_from_html(
            paper_html(paper), header=paper_header(paper), footer=paper_footer(paper)
        )
    except printing.PdfUnavailable as problem:
        pytest.skip(str(problem))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert "Item 8" in text
    assert reader.metadata.title == (
        "Productivity Programme portal – Board paper 17 July 2013: Productivity Programme Update"
    )
