"""Reads of Productivity Experts records that pages share."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from programmes.experts.models import CaseStudy, CaseStudyState


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
