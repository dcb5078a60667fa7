"""Writes to ASCE returns, and the recompute of their statistics.

Returns are facts: each service marks the ASCE scopes it touches (the
return's year and every projected year) in the savings outbox, in the same
transaction, so the rollup worker recomputes the statistics of those years.

Who may act (programmes/permissions.py): LGA officers, for every write here
(`require_officer`): councils send their ASCE returns to the LGA, which
records them in the admin; there is no council page for them. `actor` is
required; the recording officer is stored as `submitted_by` via `as_user`.
`asce_statistics_recompute` is internal: the rollup worker calls it, inside
its drain, with no user input, so it takes no actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from programmes.asce.models import (
    THEMES,
    AsceCorrection,
    AsceEvent,
    AsceProjection,
    AsceReturn,
    AsceStatistic,
    Measure,
    PositionReport,
    Presentation,
)
from programmes.asce.selectors import asce_percentages, asce_statistic
from programmes.models import Council, Strand
from programmes.permissions import Actor, as_user, require_officer
from programmes.services import model_update
from savings.outbox import outbox_mark
from savings.years import FINANCIAL_YEAR_RE


def _asce_strand_id() -> int:
    return Strand.objects.only("pk").get(key="asce").pk


def _years_of(asce_return: AsceReturn) -> set[str]:
    return {
        asce_return.financial_year,
        *asce_return.projections.values_list("financial_year", flat=True),
    }


def _mark(council_id: int, years: Iterable[str]) -> None:
    strand_id = _asce_strand_id()
    outbox_mark([(strand_id, council_id, year) for year in years])


RETURN_FIELDS = (
    "council",
    "financial_year",
    "budget",
    "savings_achieved",
    "notes",
    "submitted_by",
    "reported_on",
)


def _write(
    asce_return: AsceReturn,
    data: Mapping[str, object],
    projections: Mapping[str, Decimal],
    themes: Iterable[str],
) -> AsceReturn:
    unknown = set(themes) - set(THEMES)
    if unknown:
        raise ValidationError(f"Unknown themes: {', '.join(sorted(unknown))}")
    year = str(data.get("financial_year", asce_return.financial_year))
    errors = {}
    for projected in projections:
        if not FINANCIAL_YEAR_RE.match(projected) or projected <= year:
            errors[projected] = "Projections are for years after the return's year"
    if errors:
        raise ValidationError({"projections": list(errors.values())})
    chosen = set(themes)
    model_update(
        instance=asce_return,
        fields=[*RETURN_FIELDS, *THEMES],
        data={**data, **{field: field in chosen for field in THEMES}},
    )
    asce_return.projections.all().delete()
    for projected, amount in sorted(projections.items()):
        projection = AsceProjection(
            asce_return=asce_return, financial_year=projected, amount=amount
        )
        projection.full_clean(exclude=["asce_return"])
        projection.save()
    return asce_return


@transaction.atomic
def asce_return_record(
    *,
    council: Council,
    financial_year: str,
    budget: Decimal,
    savings_achieved: Decimal,
    projections: Mapping[str, Decimal] | None = None,
    themes: Iterable[str] = (),
    notes: str = "",
    actor: Actor,
    reported_on: date | None = None,
) -> AsceReturn:
    """Record a council's return: budget and savings for a year, projections
    after it, reported on `reported_on` (today if not given)."""
    require_officer(actor)
    asce_return = _write(
        AsceReturn(),
        {
            "council": council,
            "financial_year": financial_year,
            "budget": budget,
            "savings_achieved": savings_achieved,
            "notes": notes,
            "submitted_by": as_user(actor),
            "reported_on": reported_on or timezone.localdate(),
        },
        projections or {},
        themes,
    )
    _mark(council.pk, _years_of(asce_return))
    return asce_return


@transaction.atomic
def asce_return_update(
    *,
    asce_return: AsceReturn,
    budget: Decimal,
    savings_achieved: Decimal,
    projections: Mapping[str, Decimal] | None = None,
    themes: Iterable[str] = (),
    notes: str = "",
    actor: Actor,
    corrected_on: date | None = None,
) -> AsceReturn:
    """Change a return's figures, themes and projections (the stored row, locked:
    the admin hands over its form's copy, already changed). A change of its
    figures (budget, savings, projections) is a correction taking effect on
    `corrected_on` (today if not given; never in the future, nor before the
    figures it corrects took effect): the figures it replaces are kept
    (`AsceCorrection`), so the statistics as at an earlier date read them
    (docs/board.md, "As at a date")."""
    require_officer(actor)
    on = corrected_on or timezone.localdate()
    stored = AsceReturn.objects.select_for_update().get(pk=asce_return.pk)
    before = _years_of(stored)
    was = {p.financial_year: p.amount for p in stored.projections.all()}
    if (stored.budget, stored.savings_achieved, was) != (
        budget,
        savings_achieved,
        dict(projections or {}),
    ):
        last = stored.corrections.order_by("-corrected_on", "-pk").first()
        since = max(stored.reported_on, last.corrected_on) if last else stored.reported_on
        if on > timezone.localdate():
            raise ValidationError(
                {"corrected_on": "The correction cannot take effect on a day still to come"}
            )
        if on < since:
            raise ValidationError(
                {
                    "corrected_on": f"The correction cannot take effect before {since:%-d %B %Y}, "
                    "when the figures it corrects took effect"
                }
            )
        if since < on:  # figures corrected on the day they took effect applied at no day's end
            AsceCorrection.objects.create(
                asce_return=stored,
                budget=stored.budget,
                savings_achieved=stored.savings_achieved,
                projections={year: str(amount) for year, amount in sorted(was.items())},
                figures_from=since,
                corrected_on=on,
            )
    data = {"budget": budget, "savings_achieved": savings_achieved, "notes": notes}
    _write(stored, data, projections or {}, themes)
    _mark(stored.council_id, before | _years_of(stored))
    return stored


@transaction.atomic
def asce_return_delete(*, asce_return: AsceReturn, actor: Actor) -> None:
    require_officer(actor)
    years = _years_of(asce_return)
    council_id = asce_return.council_id
    asce_return.delete()
    _mark(council_id, years)


def _store(year: str, measure: str, values: list[Decimal], now) -> None:
    if not values:
        AsceStatistic.objects.filter(financial_year=year, measure=measure).delete()
        return
    computed = asce_statistic(year, measure, values)
    AsceStatistic.objects.update_or_create(
        financial_year=year,
        measure=measure,
        defaults={
            "council_count": computed.council_count,
            "mean_percent": computed.mean_percent,
            "median_percent": computed.median_percent,
            "mode_percent": computed.mode_percent,
            "computed_at": now,
        },
    )


def asce_statistics_recompute(years: set[str] | None) -> None:
    """Recompute the stored statistics of these years (None: every year) from
    the returns (`selectors.asce_percentages`: the same definition the board
    reads as at a past date). Runs inside the rollup drain's transaction and lock.
    """
    now = timezone.now()
    returns = AsceReturn.objects.all()
    projections = AsceProjection.objects.select_related("asce_return")
    if years is not None:
        returns = returns.filter(financial_year__in=years)
        projections = projections.filter(financial_year__in=years)
    else:
        years = set(AsceStatistic.objects.values_list("financial_year", flat=True))
    values = asce_percentages(
        returns.only("financial_year", "budget", "savings_achieved"), projections
    )
    for year in years | {year for year, _ in values}:
        for measure in (Measure.ACHIEVED, Measure.PROJECTED):
            _store(year, measure, values.get((year, measure.value), []), now)


EVENT_FIELDS = ("title", "held_on", "venue", "description")
PRESENTATION_FIELDS = ("event", "council", "organisation", "topic", "display_order")
REPORT_FIELDS = (
    "slug",
    "title",
    "report_date",
    "date_is_month_only",
    "summary",
    "published",
    "launch_event",
    "document",
)


@transaction.atomic
def asce_event_upsert(
    *, title: str, held_on: date, actor: Actor, venue: str = "", description: str = ""
) -> AsceEvent:
    require_officer(actor)
    event, _ = AsceEvent.objects.update_or_create(
        title=title, held_on=held_on, defaults={"venue": venue, "description": description}
    )
    event.full_clean()
    return event


@transaction.atomic
def asce_event_update(*, event: AsceEvent, data: Mapping[str, object], actor: Actor) -> AsceEvent:
    """Change an event's title, date, venue or description."""
    require_officer(actor)
    stored = AsceEvent.objects.select_for_update().get(pk=event.pk)
    stored, _ = model_update(instance=stored, fields=EVENT_FIELDS, data=data)
    return stored


@transaction.atomic
def asce_event_delete(*, event: AsceEvent, actor: Actor) -> None:
    """Delete an event with its programme; reports it launched keep no launch event."""
    require_officer(actor)
    event.delete()


@transaction.atomic
def presentation_set(
    *,
    event: AsceEvent,
    topic: str,
    display_order: int,
    actor: Actor,
    council: Council | None = None,
    organisation: str = "",
) -> Presentation:
    """The presentation in this slot of the event's programme (added or replaced)."""
    require_officer(actor)
    presentation = Presentation.objects.filter(event=event, display_order=display_order).first()
    presentation = presentation or Presentation(event=event, display_order=display_order)
    presentation, _ = model_update(
        instance=presentation,
        fields=PRESENTATION_FIELDS,
        data={"council": council, "organisation": organisation, "topic": topic},
    )
    return presentation


@transaction.atomic
def presentation_update(
    *, presentation: Presentation, data: Mapping[str, object], actor: Actor
) -> Presentation:
    """Change a presentation of an event's programme (its slot too)."""
    require_officer(actor)
    stored = Presentation.objects.select_for_update().get(pk=presentation.pk)
    stored, _ = model_update(instance=stored, fields=PRESENTATION_FIELDS, data=data)
    return stored


@transaction.atomic
def presentation_delete(*, presentation: Presentation, actor: Actor) -> None:
    require_officer(actor)
    presentation.delete()


@transaction.atomic
def position_report_upsert(
    *,
    slug: str,
    title: str,
    report_date: date,
    summary: str,
    date_is_month_only: bool = False,
    published: bool = False,
    launch_event: AsceEvent | None = None,
    document: File | None = None,
    actor: Actor,
) -> PositionReport:
    require_officer(actor)
    report = PositionReport.objects.filter(slug=slug).first() or PositionReport(slug=slug)
    data: dict[str, object] = {
        "title": title,
        "report_date": report_date,
        "date_is_month_only": date_is_month_only,
        "summary": summary,
        "published": published,
        "launch_event": launch_event,
    }
    if document is not None:
        data["document"] = document
    report, _ = model_update(instance=report, fields=REPORT_FIELDS, data=data)
    return report


@transaction.atomic
def position_report_update(
    *, report: PositionReport, data: Mapping[str, object], actor: Actor
) -> PositionReport:
    """Change a report (its slug too). `document`: a new file, False to remove
    it (the admin's "clear" box), or absent or None to keep it."""
    require_officer(actor)
    stored = PositionReport.objects.select_for_update().get(pk=report.pk)
    changes = dict(data)
    document = changes.pop("document", None)
    if document is not None:
        changes["document"] = document or ""
    stored, _ = model_update(instance=stored, fields=REPORT_FIELDS, data=changes)
    return stored


@transaction.atomic
def position_report_delete(*, report: PositionReport, actor: Actor) -> None:
    require_officer(actor)
    report.delete()
