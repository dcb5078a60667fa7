"""Productivity Experts writes: appointments from approved bids, case studies.

Keyword-only, one transaction each. Publishing is an officer's act, recorded
with who and when (board paper para 9; docs/strands.md).

Who may act (programmes/permissions.py): LGA officers only, for every write
here (`require_officer`). `actor` is required; the demo passes `DEMO`.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from applications.models import Application, ApplicationState
from programmes.experts.models import (
    Appointment,
    CaseStudy,
    CaseStudyState,
)
from programmes.models import Council
from programmes.permissions import Actor, as_user, require_officer
from programmes.services import model_update

CASE_STUDY_FIELDS = ("title", "slug", "council", "appointment", "summary", "body")


@transaction.atomic
def appointment_create(
    *,
    application: Application,
    starts_on: date,
    ends_on: date | None = None,
    actor: Actor,
) -> Appointment:
    """Make the appointment an approved Productivity Experts bid pays for."""
    require_officer(actor)
    # Lock the bid: two officers appointing from it at once would otherwise
    # both pass the "not yet appointed" check.
    application = (
        Application.objects.select_for_update()
        .select_related("call__strand", "lead_council")
        .get(pk=application.pk)
    )
    if application.call.strand.key != "experts":
        raise ValidationError("Only a Productivity Experts bid can become an appointment")
    if application.state != ApplicationState.APPROVED:
        raise ValidationError(
            f"{application.reference} is {application.get_state_display().lower()}: "
            "appoint an expert only from an approved bid",
            code="not_approved",
        )
    if Appointment.objects.filter(application=application).exists():
        raise ValidationError(f"{application.reference} already has an appointment")
    if application.award_amount is None:
        # Experts calls award pounds; this was full_clean's "award cannot be null".
        raise ValidationError(f"{application.reference} has no award in pounds to copy")
    detail = application.strand_detail()
    appointment = Appointment(
        application=application,
        expertise_field=getattr(detail, "expertise_field", "") or application.title,
        starts_on=starts_on,
        ends_on=ends_on,
        award=application.award_amount,
        created_by=as_user(actor),
    )
    appointment.full_clean()
    appointment.save()
    appointment.councils.set([application.lead_council, *application.partner_councils.all()])
    return appointment


@transaction.atomic
def case_study_save(
    *,
    title: str,
    slug: str,
    council: Council,
    summary: str,
    body: str,
    actor: Actor,
    case_study: CaseStudy | None = None,
    appointment: Appointment | None = None,
) -> CaseStudy:
    """Draft a case study, or edit one (a published one stays published)."""
    require_officer(actor)
    if case_study is not None and case_study.pk:
        # The stored row, locked: the admin hands over its form's copy, already changed.
        case_study = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    case_study, _ = model_update(
        instance=case_study or CaseStudy(),
        fields=CASE_STUDY_FIELDS,
        data={
            "title": title,
            "slug": slug,
            "council": council,
            "appointment": appointment,
            "summary": summary,
            "body": body,
        },
    )
    return case_study


@transaction.atomic
def case_study_delete(*, case_study: CaseStudy, actor: Actor) -> None:
    """Delete a case study (a published one leaves the public page with it)."""
    require_officer(actor)
    case_study.delete()


@transaction.atomic
def case_study_publish(
    *, case_study: CaseStudy, actor: Actor, at: datetime | None = None
) -> CaseStudy:
    """Put a draft on the public page."""
    require_officer(actor)
    case_study = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    if case_study.is_published:
        raise ValidationError(f"“{case_study.title}” is already published", code="published")
    case_study.state = CaseStudyState.PUBLISHED
    case_study.published_at = at or timezone.now()
    case_study.published_by = as_user(actor)
    case_study.save()
    return case_study


@transaction.atomic
def case_study_unpublish(*, case_study: CaseStudy, actor: Actor) -> CaseStudy:
    """Take a case study off the public page, back to draft."""
    require_officer(actor)
    case_study = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    if not case_study.is_published:
        raise ValidationError(f"“{case_study.title}” is not published", code="draft")
    case_study.state = CaseStudyState.DRAFT
    case_study.published_at = None
    case_study.published_by = None
    case_study.save()
    return case_study
