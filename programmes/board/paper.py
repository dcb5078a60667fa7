"""The board update: the "Productivity Programme Update" paper from live data.

It keeps the shape of the 2013 source paper (Item 8): purpose, summary,
recommendation and action, then numbered paragraphs under a heading per
strand, each carrying the live figures from the rollups (never typed in).
The PDF is the same HTML printed by headless Chromium (docs/board.md says why).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.contrib.staticfiles import finders

from programmes.board.charts import format_pounds
from programmes.board.selectors import freshness
from programmes.board.templatetags.board import per_pound
from programmes.models import Strand
from programmes.strands import strands
from savings import selectors as rollups

CHROMIUM = "/usr/bin/chromium"


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    # Filled in by board_update(): the paper numbers paragraphs straight through.
    numbered: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class BoardUpdate:
    as_at: date
    summary: str
    recommendation: str
    sections: list[Section]
    freshness: object


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def board_update(*, as_at: date) -> BoardUpdate:
    """The paper as at a date: live figures, procurement deadlines from that date."""
    programme = rollups.rollup_for()
    installed = strands()
    sections = [
        Section(
            key="background",
            heading="Background",
            paragraphs=[
                "The Board has previously approved the Productivity Programme to help "
                "councils improve their productivity and efficiency. This report gives the "
                "programme's figures as recorded in the portal.",
                f"Across the programme the LGA and its partners have invested "
                f"{format_pounds(programme.investment)}; projected savings come to "
                f"{format_pounds(programme.projected)} ({per_pound(programme.projected_roi)} "
                f"invested) and verified realised savings to "
                f"{format_pounds(programme.realised)} ({per_pound(programme.realised_roi)} "
                "invested).",
            ],
        )
    ]
    for strand in Strand.objects.order_by("display_order", "name"):
        if strand.key in installed:
            paper = installed[strand.key].paper
            sections.append(
                Section(
                    key=strand.key,
                    heading=paper.heading,
                    paragraphs=paper.paragraphs(strand, as_at),
                )
            )
    number = 0
    for section in sections:
        for text in section.paragraphs:
            number += 1
            section.numbered.append((number, text))
    return BoardUpdate(
        as_at=as_at,
        summary=(
            "This report updates the Board on the progress being made in the Productivity "
            f"Programme, and reports on {_listed([spec.name for spec in installed.values()])}."
        ),
        recommendation="To note the progress of the Productivity Programme.",
        sections=sections,
        freshness=freshness(),
    )


class PdfUnavailable(Exception):
    """Chromium is not installed here, so no PDF can be printed."""


def pdf_from_html(html: str) -> bytes:
    """Print the paper's HTML to an A4 PDF with headless Chromium (print CSS applies)."""
    if not shutil.which(CHROMIUM):
        raise PdfUnavailable(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    css_path = finders.find("portal.css")
    css = Path(css_path).read_text(encoding="utf-8") if css_path else ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            # No network: the stylesheet is inlined, outside URLs never load.
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="domcontentloaded")
            page.add_style_tag(content=css)
            page.emulate_media(media="print")
            return page.pdf(
                format="A4",
                print_background=True,
                margin={"top": "20mm", "bottom": "20mm", "left": "18mm", "right": "18mm"},
            )
        finally:
            browser.close()
