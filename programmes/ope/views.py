"""A pilot council's own One Public Estate page: its plan, sign-offs, resource, events.

Council applicants see their own council's pilot only (another's is 404);
officers may read any; board members use the dashboards (403).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from programmes.access import AuthenticatedRequest, role_required
from programmes.ope.models import Pilot
from programmes.ope.selectors import pilot_get_for_user
from programmes.roles import APPLICANT, OFFICER


@role_required(APPLICANT)
def my_plan(request: AuthenticatedRequest) -> HttpResponse:
    """Your council's plan: 404 for a council that is not a pilot."""
    council_id = request.user.council_id
    assert council_id is not None, "role_required(APPLICANT) lets in only users with a council"
    pilot = Pilot.objects.filter(council_id=council_id).only("pk").first()
    if pilot is None:
        raise Http404("Your council is not a One Public Estate pilot")
    return redirect("ope:plan", pk=pilot.pk)


@role_required(APPLICANT, OFFICER)
def plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pilot = pilot_get_for_user(user=request.user, pk=pk)
    context = {
        "pilot": pilot,
        "plan": getattr(pilot, "plan", None),
        "allocations": pilot.allocations.all(),
        "events": pilot.council.ope_events.all(),
    }
    return render(request, "ope/plan.html", context)
