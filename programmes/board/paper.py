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

from applications.models import Application, ApplicationState
from programmes.asce.selectors import asce_statistics_by_year
from programmes.board.charts import format_pounds
from programmes.board.selectors import freshness, strand_activity
from programmes.board.templatetags.board import per_pound, percent
from programmes.models import Strand
from programmes.procurement.selectors import eu_milestones, workstreams_with_status
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


def _ope(strand: Strand) -> list[str]:
    figures = rollups.rollup_for(strand=strand)
    if not figures.council_count:
        return ["No One Public Estate resource has been recorded yet."]
    each = figures.investment / figures.council_count
    return [
        "The LGA runs the One Public Estate capital and assets programme on behalf of "
        "the Cabinet Office.",
        f"{figures.council_count} pilot councils have been allocated resource totalling "
        f"{format_pounds(figures.investment)}, around {format_pounds(round(each))} each.",
        f"Projected savings recorded so far: {format_pounds(figures.projected)}; realised "
        f"and verified: {format_pounds(figures.realised)}.",
    ]


def _experts(strand: Strand) -> list[str]:
    figures = rollups.rollup_for(strand=strand)
    activity = strand_activity(strand=strand)
    return [
        "The Productivity Expert programme allocates funding to councils to engage an "
        "expert in the field they need to help deliver efficiency savings.",
        f"{activity.awards} expert appointments, covering {activity.councils_served} "
        f"councils, have been assessed: for an LGA investment of "
        f"{format_pounds(figures.investment)}, potential estimated projected savings of "
        f"{format_pounds(figures.projected)} have been identified, a return of about "
        f"{per_pound(figures.projected_roi)} invested.",
        f"Realised savings verified so far come to {format_pounds(figures.realised)} "
        f"({per_pound(figures.realised_roi)} invested); a further "
        f"{format_pounds(figures.realised_unverified)} has been reported and awaits "
        "verification.",
    ]


def _asce(strand: Strand) -> list[str]:
    stats = asce_statistics_by_year()
    achieved = [(year, row["achieved"]) for year, row in stats.items() if "achieved" in row]
    projected = [(year, row["projected"]) for year, row in stats.items() if "projected" in row]
    if not achieved:
        return ["No Adult Social Care Efficiency returns have been recorded yet."]
    year, first = achieved[0]
    paragraphs = [
        f"Efficiency savings in {year}, reported by {first.council_count} councils, were an "
        f"average {percent(first.mean_percent)} of the adult social care budget, with the "
        f"modal (most frequently reported) saving being {first.mode_percent}% and the "
        f"median {percent(first.median_percent)}.",
    ]
    for later_year, row in achieved[1:]:
        paragraphs.append(
            f"In {later_year}, {row.council_count} councils reported savings averaging "
            f"{percent(row.mean_percent)} (mode {row.mode_percent}%)."
        )
    if projected:
        listed = ", ".join(
            f"{percent(row.mean_percent)} for {year}" for year, row in projected[:-1]
        )
        last_year, last = projected[-1]
        listed = f"{listed} and " if listed else ""
        paragraphs.append(
            f"At present the councils are projecting a further saving of {listed}"
            f"{percent(last.mean_percent)} for {last_year}."
        )
    return paragraphs


def _growth(strand: Strand) -> list[str]:
    activity = strand_activity(strand=strand)
    bids = Application.objects.filter(call__strand=strand).exclude(state=ApplicationState.DRAFT)
    return [
        "The Local Economic Growth Advisers programme offers councils up to 14 days of "
        "bespoke support from a panel of advisers.",
        f"{bids.count()} bids have been received; {activity.awards} have been approved, "
        f"awarding {activity.days_awarded} adviser days to {activity.councils_served} councils.",
    ]


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _procurement(strand: Strand, as_at: date) -> list[str]:
    paragraphs = []
    for workstream in workstreams_with_status():
        lead = f" (led by {workstream.lead_council.name})" if workstream.lead_council else ""
        upcoming = [d for d in workstream.deadlines.all() if d.due_on >= as_at and not d.met_on]
        text = (
            f"{workstream.name}{lead}: {_count(workstream.green, 'activity', 'activities')} "
            f"on track (green), {workstream.amber} amber, {workstream.red} red; "
            f"{_count(workstream.open_issues, 'open issue', 'open issues')}."
        )
        if upcoming:
            text += f" Next: report to {upcoming[0].report_to} by {upcoming[0].due_on:%-d %B %Y}."
        paragraphs.append(text)
    for milestone in eu_milestones():
        paragraphs.append(
            f"EU procurement rules: {milestone.title}, {milestone.when} "
            f"({milestone.get_status_display().lower()})."
        )
    return paragraphs or ["No procurement workstreams have been recorded yet."]


def board_update(*, as_at: date) -> BoardUpdate:
    """The paper as at a date: live figures, procurement deadlines from that date."""
    programme = rollups.rollup_for()
    builders = {
        "ope": ("'One Public Estate' Capital and Assets programme", _ope),
        "experts": ("The Productivity Expert Programme", _experts),
        "asce": ("ASCE Programme", _asce),
        "growth": ("Local Economic Growth Advisers", _growth),
        "procurement": (
            "Procurement: National Procurement Strategy",
            lambda s: _procurement(s, as_at),
        ),
    }
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
        if strand.key in builders:
            heading, build = builders[strand.key]
            sections.append(Section(key=strand.key, heading=heading, paragraphs=build(strand)))
    number = 0
    for section in sections:
        for text in section.paragraphs:
            number += 1
            section.numbered.append((number, text))
    return BoardUpdate(
        as_at=as_at,
        summary=(
            "This report updates the Board on the progress being made in the Productivity "
            "Programme, and reports on One Public Estate, the Productivity Experts "
            "Programme, the ASCE Programme, the Local Economic Growth Advisers and the "
            "National Procurement Strategy."
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
