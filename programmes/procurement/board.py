"""The National Procurement Strategy on the board: workstreams by red, amber
and green status with their deadlines, the councils' board seats, and its
paper section."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from programmes.models import Council, Strand
from programmes.procurement.models import Workstream
from programmes.procurement.selectors import (
    eu_milestones,
    workstreams_with_status,
    workstreams_with_status_as_at,
)


def fill(page) -> None:
    """Workstreams with their status counts (as at the page's date, if it
    has one) and deadlines, and the EU milestones: 3 queries (4 as at a date)."""
    if page.as_at is None:
        page.extra["workstreams"] = list(workstreams_with_status())
    else:
        page.extra["workstreams"] = workstreams_with_status_as_at(as_at=page.as_at)
    page.extra["eu_milestones"] = list(eu_milestones())


def council_workstreams(council: Council) -> list[Workstream]:
    """The workstreams the council leads or has a programme-board seat on (1 query)."""
    return list(
        Workstream.objects.filter(Q(lead_council=council) | Q(board_members__council=council))
        .distinct()
        .order_by("display_order", "name")
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    paragraphs = []
    workstream: Any  # annotated with its status counts by the selector
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
        # A milestone after the paper's date is expected, whatever happened later.
        status = "expected" if milestone.due_on > as_at else milestone.get_status_display().lower()
        paragraphs.append(f"EU procurement rules: {milestone.title}, {milestone.when} ({status}).")
    return paragraphs or ["No procurement workstreams have been recorded yet."]
