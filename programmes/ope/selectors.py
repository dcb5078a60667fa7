"""Reads of One Public Estate records that pages share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from programmes.models import User
from programmes.ope.models import Event, Pilot, ResourceAllocation
from programmes.roles import APPLICANT, OFFICER, user_role


def pilot_get_for_user(*, user: User, pk: int) -> Pilot:
    """The pilot and its plan if the user may see them; 404 otherwise.

    A pilot council's users see their own pilot only; officers see all.
    Another council's pilot is "not found", so outsiders learn nothing.
    """
    queryset = Pilot.objects.select_related(
        "council", "plan__lga_signed_off_by", "plan__cabinet_office_recorded_by"
    ).prefetch_related(
        Prefetch(
            "allocations",
            queryset=ResourceAllocation.objects.select_related("investment").order_by(
                "allocated_at"
            ),
        ),
        Prefetch("council__ope_events", queryset=Event.objects.order_by("held_on")),
    )
    role = user_role(user)
    if role == APPLICANT:
        queryset = queryset.filter(council=user.council)
    elif role != OFFICER:
        raise Http404
    try:
        return queryset.get(pk=pk)
    except Pilot.DoesNotExist:
        raise Http404("No such pilot") from None


def pilots_with_plans() -> QuerySet[Pilot]:
    return Pilot.objects.select_related("council", "plan").order_by("council__name")


def council_nav_item(user: User) -> tuple[str, str] | None:
    """The navigation link to a pilot council's own plan (one query); None otherwise."""
    from django.urls import reverse

    if user.council_id and Pilot.objects.filter(council_id=user.council_id).exists():
        return ("Your One Public Estate plan", reverse("ope:my_plan"))
    return None
