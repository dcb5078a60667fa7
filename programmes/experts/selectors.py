"""Reads of Productivity Experts records that pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from applications.models import AwardShare
from programmes.experts.models import Appointment, CaseStudy, CaseStudyState


def case_studies_published() -> QuerySet[CaseStudy]:
    """What the public may read: published case studies only, newest first."""
    return (
        CaseStudy.objects.filter(state=CaseStudyState.PUBLISHED)
        .select_related("council")
        .order_by("-published_at", "title")
    )


def case_study_get_public(*, slug: str) -> CaseStudy:
    """A published case study; a draft's address is 404, as if it did not exist."""
    case_study = case_studies_published().filter(slug=slug).first()
    if case_study is None:
        raise Http404("No such case study")
    return case_study


def appointments_with_councils() -> QuerySet[Appointment]:
    """Appointments, newest first, each with its bid, lead council, and the
    councils served with their shares of the award (3 queries in all: the
    shares come with their councils, one query where they took two)."""
    shares = Prefetch("application__shares", AwardShare.objects.select_related("council"))
    return Appointment.objects.select_related("application__lead_council").prefetch_related(
        shares, "councils"
    )


def appointment_councils(appointment: Appointment, shares: Iterable[Any] | None = None) -> str:
    """Every council an appointment serves, the lead first, each with its
    share of the award: "Hertfordshire (lead) £3,750.00; Essex £3,750.00"
    (read from `appointments_with_councils`' prefetched rows, or from
    `shares`, the split in force at a date: `award_shares_on`)."""
    lead = appointment.application.lead_council_id
    shares = sorted(
        appointment.application.shares.all() if shares is None else shares,
        key=lambda share: (share.council_id != lead, share.council.short_name),
    )
    if shares:
        return "; ".join(
            f"{share.council.short_name}{' (lead)' if share.council_id == lead else ''} "
            f"£{share.amount:,.2f}"
            for share in shares
        )
    councils = sorted(appointment.councils.all(), key=lambda c: (c.pk != lead, c.short_name))
    return "; ".join(
        f"{council.short_name}{' (lead)' if council.pk == lead else ''}" for council in councils
    )
