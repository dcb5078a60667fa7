"""Productivity Experts on the board: its status block and its paper section."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from programmes.board.charts import DataTable, format_pounds
from programmes.board.selectors import strand_activity
from programmes.board.templatetags.board import per_pound
from programmes.experts.models import Appointment, CaseStudy, CaseStudyState
from programmes.experts.selectors import appointment_councils, appointments_with_councils
from programmes.models import Strand
from savings import selectors as rollups


def fill(page) -> None:
    page.status = _status(page)
    page.tables["appointments"] = appointments_table()


def appointments_table() -> DataTable:
    """Every appointment with all the councils it serves and their shares
    (para 8: "seven expert appointments, covering 10 councils"): 3 queries."""
    return DataTable(
        caption="Expert appointments and the councils they serve",
        columns=["Bid", "Field of expertise", "Award", "Councils served", "Councils and shares"],
        rows=[
            [
                appointment.application.reference,
                appointment.expertise_field,
                appointment.award,
                len(appointment.councils.all()),
                appointment_councils(appointment),
            ]
            for appointment in appointments_with_councils().order_by("starts_on", "pk")
        ],
        money_columns=frozenset({2}),
    )


def _status(page) -> list[tuple[str, str]]:
    """Appointments and case studies: 2 queries."""
    studies = CaseStudy.objects.aggregate(
        published=Count("pk", filter=Q(state=CaseStudyState.PUBLISHED)), all=Count("pk")
    )
    return [
        ("Expert appointments", str(Appointment.objects.count())),
        (
            "Case studies published",
            f"{studies['published']} (of {studies['all']} written)",
        ),
    ]


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    figures = rollups.rollup_for(strand=strand)
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
