"""Adviser support on an awarded Growth Advisers bid.

The council sees its award, its adviser and the days used and left (own
council only: another council's bid is 404). LGA officers see every bid,
match it to an adviser and log days. Board members use the dashboards, not
these pages (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from applications.models import Application, ApplicationState
from applications.selectors import application_get_for_user
from programmes.access import AuthenticatedRequest, role_required
from programmes.forms import posted, service_errors
from programmes.growth import services
from programmes.growth.forms import AdviserDaysForm, AdviserMatchForm
from programmes.growth.models import Adviser
from programmes.growth.selectors import adviser_days_for, advisers_suggested
from programmes.roles import APPLICANT, OFFICER

GET_POST = require_http_methods(["GET", "POST"])


def _award(request: AuthenticatedRequest, reference: str) -> Application:
    """An approved Growth Advisers bid the user may see; 404 for anything else."""
    bid = application_get_for_user(user=request.user, reference=reference)
    if bid.call.strand.key != "growth" or bid.state != ApplicationState.APPROVED:
        raise Http404("No adviser support on this bid")
    return bid


@role_required(APPLICANT, OFFICER)
def adviser_support(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    bid = _award(request, reference)
    context = {"bid": bid, "support": adviser_days_for(application=bid)}
    return render(request, "growth/adviser_support.html", context)


@role_required(OFFICER)
@GET_POST
def days_log(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    bid = _award(request, reference)
    form = AdviserDaysForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            day = services.adviser_days_log(
                application=bid, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, f"Logged {day.days} days for {bid.reference}")
            return redirect("growth:adviser_support", reference=bid.reference)
    context = {"bid": bid, "form": form, "support": adviser_days_for(application=bid)}
    return render(request, "growth/days_log.html", context, status=400 if form.errors else 200)


@role_required(OFFICER)
@GET_POST
def adviser_choose(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    bid = _award(request, reference)
    suggested = list(advisers_suggested(application=bid))
    ids = {adviser.pk for adviser in suggested}
    # Suggested advisers first, then the rest of the panel.
    advisers = Adviser.objects.filter(active=True).annotate(
        suggested=Case(When(pk__in=ids, then=Value(0)), default=Value(1))
    )
    form = AdviserMatchForm(
        posted(request),
        advisers=advisers.order_by("suggested", "name"),
        suggested_ids=ids,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.adviser_match(application=bid, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['adviser']} matched to {bid.reference}")
            return redirect("growth:adviser_support", reference=bid.reference)
    context = {"bid": bid, "form": form, "suggested": suggested}
    return render(
        request, "growth/adviser_choose.html", context, status=400 if form.errors else 200
    )
