"""Productivity Experts on the board: its status block and its paper section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from applications.models import Application
from applications.selectors import award_shares_on
from programmes.board.charts import DataTable, format_pounds
from programmes.board.selectors import strand_activity
from programmes.board.templatetags.board import per_pound
from programmes.experts.models import CaseStudy, CaseStudyState
from programmes.experts.selectors import appointment_councils, appointments_with_councils
from programmes.models import Strand
from savings import selectors as rollups
from savings.models import Recurrence, SavingsEntry, SavingsKind


def fill(page) -> None:
    table = appointments_table(as_at=page.as_at)
    page.status = _status(page, appointments=len(table.rows))
    page.tables["appointments"] = table


def appointments_table(*, as_at: date | None = None) -> DataTable:
    """Every appointment with all the councils it serves and their shares
    (para 8: "seven expert appointments, covering 10 councils"): 3 queries.
    As at a date: the appointments started by then, each award's shares in
    the split in force at the end of that day (2 more queries)."""
    appointments = appointments_with_councils().order_by("starts_on", "pk")
    shares: dict[int, list] | None = None
    if as_at is not None:
        appointments = appointments.filter(starts_on__lte=as_at)
        shares = {}
        for share in award_shares_on(
            on=as_at, applications=Application.objects.filter(appointment__starts_on__lte=as_at)
        ):
            shares.setdefault(share.application_id, []).append(share)
    return DataTable(
        caption=(
            "Expert appointments and the councils they serve"
            + (f", as at {as_at:%-d %B %Y}" if as_at else "")
        ),
        columns=["Bid", "Field of expertise", "Award", "Councils served", "Councils and shares"],
        rows=[
            [
                appointment.application.reference,
                appointment.expertise_field,
                appointment.award,
                len(appointment.councils.all()),
                appointment_councils(
                    appointment,
                    None if shares is None else shares.get(appointment.application_id, []),
                ),
            ]
            for appointment in appointments
        ],
        money_columns=frozenset({2}),
    )


def _status(page, *, appointments: int) -> list[tuple[str, str]]:
    """Appointments and case studies, now or as at the page's date
    (`appointments`: the rows of the appointments table, which as at a date
    holds those started by then; a case study from its publication): 1 query."""
    published = Q(state=CaseStudyState.PUBLISHED)
    if page.as_at is not None:
        published &= Q(published_at__lt=rollups.end_of_day(page.as_at))
    studies = CaseStudy.objects.aggregate(published=Count("pk", filter=published), all=Count("pk"))
    return [
        ("Expert appointments", str(appointments)),
        (
            "Case studies published",
            f"{studies['published']} (of {studies['all']} written)",
        ),
    ]


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    """The appointments' figures (para 8), each published case study's council
    with what its expert did and its savings (8.1-8.3), and the case studies
    (para 9): 4 queries. What the programme is, the officer's narrative says."""
    figures = rollups.Figures(as_at=as_at, strand=strand).total()
    activity = strand_activity(strand=strand, on=as_at)
    paragraphs = [
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
    studies = case_study_examples(strand=strand, as_at=as_at)
    paragraphs += [example.sentence() for example in studies]
    if studies:
        these = "this example" if len(studies) == 1 else f"these {len(studies)} examples"
        paragraphs.append(
            f"Case studies have been written for {these} and are published on the "
            "productivity page."
        )
    return paragraphs


@dataclass(frozen=True)
class CaseStudyExample:
    """A council named in the paper because its case study is published: what
    its expert did (the bid's summary) and its savings in the strand."""

    council: str
    what: str
    target: Decimal
    projected: Decimal
    realised: Decimal
    # The first year of a saving projected to recur each year, if any.
    recurring_from: str = ""

    def sentence(self) -> str:
        what = self.what.strip().rstrip(".")
        text = f"{self.council}: {what[:1].lower()}{what[1:]}"
        if self.realised and self.target:
            return (
                f"{text}. This has enabled the council to realise an efficiency saving of "
                f"{format_pounds(self.realised)} against a target of {format_pounds(self.target)}."
            )
        if self.projected and self.recurring_from:
            return (
                f"{text}, to achieve {format_pounds(self.projected)} a year of savings in "
                f"{self.recurring_from}."
            )
        if self.projected:
            return (
                f"{text}. This identified opportunities to secure additional savings of "
                f"{format_pounds(self.projected)}."
            )
        return f"{text}."


def case_study_examples(*, strand: Strand, as_at: date) -> list[CaseStudyExample]:
    """Each case study published by `as_at`, oldest first, with its council's
    savings in the strand (3 queries)."""
    studies = list(
        CaseStudy.objects.filter(state=CaseStudyState.PUBLISHED, published_at__date__lte=as_at)
        .select_related("council", "appointment__application")
        .order_by("published_at", "pk")
    )
    if not studies:
        return []
    by_council = {
        row.council_id: row for row in rollups.Figures(as_at=as_at, strand=strand).by_council()
    }
    recurring = dict(
        SavingsEntry.objects.filter(
            strand=strand,
            council_id__in=[study.council_id for study in studies],
            kind=SavingsKind.PROJECTED,
            recurrence=Recurrence.RECURRING,
        )
        .order_by("-financial_year")
        .values_list("council_id", "financial_year")
    )
    examples = []
    for study in studies:
        row = by_council.get(study.council_id)
        application = study.appointment.application if study.appointment else None
        examples.append(
            CaseStudyExample(
                council=study.council.name,
                what=(application.summary if application and application.summary else "")
                or study.summary,
                target=row.target if row else Decimal(0),
                projected=row.projected if row else Decimal(0),
                realised=row.realised if row else Decimal(0),
                recurring_from=recurring.get(study.council_id, ""),
            )
        )
    return examples
