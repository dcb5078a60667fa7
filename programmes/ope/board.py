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
    """Pilots, plans by state and resource allocated, now or as at the
    page's date (each counted from its own date: the plan's sign-off by
    the Cabinet Office, its sending, the allocation): 2 queries."""
    if page.as_at is None:
        plans = ProjectPlan.objects.aggregate(
            pilots=Count("pk"),
            signed_off=Count("pk", filter=Q(state=PlanState.SIGNED_OFF)),
            awaiting=Count("pk", filter=Q(state=PlanState.SUBMITTED)),
        )
        allocations = ResourceAllocation.objects.all()
    else:
        cutoff = rollups.end_of_day(page.as_at)
        signed = Q(cabinet_office_signed_off_at__lt=cutoff)
        # A plan in drafting has no date of its own: every plan counts.
        plans = ProjectPlan.objects.aggregate(
            pilots=Count("pk"),
            signed_off=Count("pk", filter=signed),
            awaiting=Count("pk", filter=Q(submitted_at__lt=cutoff) & ~signed),
        )
        allocations = ResourceAllocation.objects.filter(allocated_at__lt=cutoff)
    allocated = allocations.aggregate(
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


def activity(strand: Strand, *, as_at: date | None = None) -> StrandActivity:
    """OPE's awards are Cabinet Office resource allocated to pilots, not
    approved bids: the pilots with resource (allocated by `as_at`, if
    given), each one council (1 query)."""
    allocations = ResourceAllocation.objects.all()
    if as_at is not None:
        allocations = allocations.filter(allocated_at__lt=rollups.end_of_day(as_at))
    pilots = allocations.aggregate(pilots=Count("pilot", distinct=True))["pilots"]
    return StrandActivity(awards=pilots, councils_served=pilots, label="Pilots allocated resource")


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    figures = rollups.Figures(as_at=as_at, strand=strand).total()
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
