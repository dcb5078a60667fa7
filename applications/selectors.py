"""Reads of bids that more than one page needs, scoped to the user."""

from __future__ import annotations

from django.db.models import Avg, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.models import Application, ApplicationEvent, Call, Document
from programmes.models import User
from programmes.roles import APPLICANT, OFFICER, user_role


def applications_for_council(*, user: User) -> QuerySet[Application]:
    """The bids of the user's council, newest first, ready for a list.

    The primary key breaks ties, so that pages never repeat or skip a bid
    started in the same instant (bulk imports)."""
    return (
        Application.objects.filter(lead_council_id=user.council_id)
        .select_related("call__strand", "lead_council")
        .order_by("-created_at", "-pk")
    )


def calls_open(*, at=None) -> QuerySet[Call]:
    at = at or timezone.now()
    return (
        Call.objects.filter(opens_at__lte=at, closes_at__gt=at, strand__key__in=bid_strand_keys())
        .select_related("strand")
        .order_by("closes_at")
    )


def bid_strand_keys() -> list[str]:
    from programmes.strands import strands

    return [key for key, spec in strands().items() if spec.bid_based]


def application_get_for_user(*, user: User, reference: str) -> Application:
    """The bid with this reference, if the user may see it; 404 otherwise.

    Applicants see their own council's bids only: any other reference is
    "not found", so outsiders cannot learn which bids exist. Officers see all.
    Other roles never reach here (views check the role first).
    """
    queryset = Application.objects.select_related("call__strand", "lead_council").prefetch_related(
        "partner_councils",
        Prefetch("documents", queryset=Document.objects.order_by("uploaded_at", "pk")),
        Prefetch(
            "events",
            queryset=ApplicationEvent.objects.select_related("actor").order_by("at", "pk"),
        ),
    )
    role = user_role(user)
    if role == APPLICANT:
        queryset = queryset.filter(lead_council_id=user.council_id)
    elif role != OFFICER:
        raise Http404
    try:
        return queryset.get(reference=reference)
    except Application.DoesNotExist:
        raise Http404("No such bid") from None


def applications_with_scores(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate the mean score: AVG leaves "not applicable" (NULL) out, never counts it 0."""
    return queryset.annotate(mean_score=Avg("scores__score"))
