"""One Public Estate on the board: its status block and its paper section."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from programmes.board.charts import format_pounds, listed
from programmes.board.selectors import StrandActivity
from programmes.models import Strand
from programmes.ope.models import Event, Pilot, PlanState, ProjectPlan, ResourceAllocation
from savings import selectors as rollups

# A paper tells of the events of the quarter before it (papers are quarterly).
EVENTS_WINDOW_DAYS = 92


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
    """The pilots (para 4 and its footnote), the events of the quarter before
    the paper (paras 3-4), the Cabinet Office resource (para 4) and the plans
    awaiting sign-off as at the paper's date (para 5): 4 queries. What the
    programme is and what officers are doing about it, the narrative says."""
    pilots = [pilot.council.short_name for pilot in Pilot.objects.select_related("council")]
    if not pilots:
        return ["No One Public Estate pilots have been recorded yet."]
    paragraphs = [
        f"Progress is already being made by the {len(pilots)} pilot councils: "
        f"{listed(sorted(pilots))}."
    ]
    since = as_at - timedelta(days=EVENTS_WINDOW_DAYS)
    for event in Event.objects.filter(held_on__lte=as_at, held_on__gt=since).order_by("held_on"):
        where = f" at {event.venue}" if event.venue else ""
        text = f"{event.title}: {event.date_display}{where}."
        if event.description:
            text += f" {event.description.strip()}"
        paragraphs.append(text)
    figures = rollups.Figures(as_at=as_at, strand=strand).total()
    if figures.investment:
        each = figures.investment / len(pilots)
        paragraphs.append(
            f"The Cabinet Office has been able to make {format_pounds(figures.investment)} of "
            f"resource available to the participating authorities: around "
            f"{format_pounds(round(each))} each, if distributed equally."
        )
    signed = Q(lga_signed_off_at__date__lte=as_at, cabinet_office_signed_off_at__date__lte=as_at)
    plans = ProjectPlan.objects.aggregate(
        sent=Count("pk", filter=Q(submitted_at__date__lte=as_at)),
        signed_off=Count("pk", filter=signed),
    )
    awaiting, signed_off = plans["sent"] - plans["signed_off"], plans["signed_off"]
    text = (
        f"As at {as_at:%-d %B %Y}, {awaiting} of the pilots' project plans "
        f"{'awaits' if awaiting == 1 else 'await'} sign-off by the LGA and the Cabinet Office"
    )
    if signed_off:
        text += f", and {signed_off} {'has' if signed_off == 1 else 'have'} been signed off"
    paragraphs.append(text + ".")
    return paragraphs
