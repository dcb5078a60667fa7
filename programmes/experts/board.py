"""Productivity Experts on the board: its status block and its paper section."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from programmes.board.charts import format_pounds
from programmes.board.selectors import strand_activity
from programmes.board.templatetags.board import per_pound
from programmes.experts.models import Appointment, CaseStudy, CaseStudyState
from programmes.models import Strand
from savings import selectors as rollups


def fill(page) -> None:
    page.status = _status(page)


def _status(page) -> list[tuple[str, str]]:
    """Appointments and case studies, now or as at the page's date (an
    appointment from its start, a case study from its publication): 2 queries."""
    published = Q(state=CaseStudyState.PUBLISHED)
    appointments = Appointment.objects.all()
    if page.as_at is not None:
        published &= Q(published_at__lt=rollups.end_of_day(page.as_at))
        appointments = appointments.filter(starts_on__lte=page.as_at)
    studies = CaseStudy.objects.aggregate(published=Count("pk", filter=published), all=Count("pk"))
    return [
        ("Expert appointments", str(appointments.count())),
        (
            "Case studies published",
            f"{studies['published']} (of {studies['all']} written)",
        ),
    ]


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    figures = rollups.Figures(as_at=as_at, strand=strand).total()
    activity = strand_activity(strand=strand, on=as_at)
    paragraphs = [
        "The Productivity Expert programme allocates funding to councils to engage an "
        "expert in the field they need to help deliver efficiency savings.",
        f"{activity.awards} expert appointments, covering {activity.councils_served} "
        f"councils, have been assessed: for an LGA investment of "
        f"{format_pounds(figures.investment)}, potential estimated projected savings of "
        f"{format_pounds(figures.projected)} have been identified, a return of about "
        f"{per_pound(figures.projected_roi)} invested.",
        f"Realised savings verified so far come to {format_pounds(figures.realised)} "
        f"({per_pound(figures.realised_roi)} invested).",
    ]
    if figures.realised_unverified:
        paragraphs.append(
            f"A further {format_pounds(figures.realised_unverified)} has been reported and "
            "awaits verification."
        )
    return paragraphs
