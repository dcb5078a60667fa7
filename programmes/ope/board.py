"""One Public Estate on the board: its status block and its paper section."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, Sum

from programmes.board.charts import format_pounds
from programmes.board.selectors import StrandActivity
from programmes.models import Strand
from programmes.ope.models import PlanState, ProjectPlan, ResourceAllocation
from savings import selectors as rollups


def fill(page) -> None:
    page.status = _status(page)


def _status(page) -> list[tuple[str, str]]:
    """Pilots, plans by state and resource allocated: 2 queries."""
    plans = ProjectPlan.objects.aggregate(
        pilots=Count("pk"),
        signed_off=Count("pk", filter=Q(state=PlanState.SIGNED_OFF)),
        awaiting=Count("pk", filter=Q(state=PlanState.SUBMITTED)),
    )
    allocated = ResourceAllocation.objects.aggregate(
        total=Sum("investment__amount"), pilots=Count("pilot", distinct=True)
    )
    return [
        ("Pilots with a project plan", str(plans["pilots"])),
        ("Plans signed off by the LGA and the Cabinet Office", str(plans["signed_off"])),
        ("Plans awaiting sign-off", str(plans["awaiting"])),
        (
            "Cabinet Office resource allocated",
            f"{format_pounds(allocated['total'] or 0)} to {allocated['pilots']} pilots",
        ),
    ]


def activity(strand: Strand) -> StrandActivity:
    """OPE's awards are Cabinet Office resource allocated to pilots, not
    approved bids: the pilots with resource, each one council (1 query)."""
    pilots = ResourceAllocation.objects.aggregate(pilots=Count("pilot", distinct=True))["pilots"]
    return StrandActivity(awards=pilots, councils_served=pilots, label="Pilots allocated resource")


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    figures = rollups.rollup_for(strand=strand)
    if not figures.council_count:
        return ["No One Public Estate resource has been recorded yet."]
    each = figures.investment / figures.council_count
    paragraphs = [
        "The LGA runs the One Public Estate capital and assets programme on behalf of "
        "the Cabinet Office.",
        f"{figures.council_count} pilot councils have been allocated resource totalling "
        f"{format_pounds(figures.investment)}, around {format_pounds(round(each))} each.",
    ]
    if figures.projected or figures.realised:
        paragraphs.append(
            f"Projected savings recorded so far: {format_pounds(figures.projected)}; realised "
            f"and verified: {format_pounds(figures.realised)}."
        )
    return paragraphs
