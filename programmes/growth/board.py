"""Local Economic Growth Advisers on the board: its status block and its paper section."""

from __future__ import annotations

from datetime import date

from programmes.board.selectors import bids_received, strand_activity
from programmes.growth.selectors import adviser_days_used_total, panel
from programmes.models import Strand


def fill(page) -> None:
    page.status = _status(page)


def _status(page) -> list[tuple[str, str]]:
    """Adviser days used against those awarded (from the page's awards), and the
    panel, each as at the page's date if it has one: 2 queries."""
    awarded = page.activity.days_awarded
    used = adviser_days_used_total(as_at=page.as_at)
    return [
        ("Adviser days used", f"{used.normalize():f} of {awarded} awarded"),
        ("Advisers on the panel", str(panel(as_at=page.as_at).count())),
    ]


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    """Bids received and approved by the paper's date (2 queries); the round
    open for bids is the paper's (programmes.board.paper.open_rounds), what
    the programme is the officer's narrative."""
    # Bids sent by the paper's date: a paper counts what was known at its meeting.
    received = bids_received(strand=strand, on=as_at)
    if not received:
        return ["No bids had been received by the date of this paper."]
    activity = strand_activity(strand=strand, on=as_at)
    return [
        f"{received} bids have been received; {activity.awards} have been approved, "
        f"awarding {activity.days_awarded} adviser days to {activity.councils_served} councils.",
    ]
