"""A council's awards and its savings returns. Applicants only; own council only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from programmes.access import AuthenticatedRequest, applicant_council, role_required
from programmes.documents import safe_download_name
from programmes.pagination import paginate
from programmes.roles import APPLICANT, OFFICER
from savings import selectors, services
from savings.forms import SavingsReturnForm
from savings.models import Investment


def award_get_for_user(user, pk: int) -> Investment:
    """The award if it is the user's council's; 404 otherwise, so others learn nothing."""
    award = selectors.award_get_for_council(council=user.council, pk=pk)
    if award is None:
        raise Http404("No award of your council has this number")
    return award


@role_required(APPLICANT)
def award_list(request: AuthenticatedRequest) -> HttpResponse:
    awards = paginate(request, selectors.awards_for_council(council=applicant_council(request)))
    return render(
        request,
        "savings/award_list.html",
        {"awards": awards.object_list, "pagination": awards},
    )


@role_required(APPLICANT)
def award_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = award_get_for_user(request.user, pk)
    entries = selectors.realised_savings_for_award(award=award)
    return render(request, "savings/award_detail.html", {"award": award, "entries": entries})


@role_required(APPLICANT)
def return_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = award_get_for_user(request.user, pk)
    form = SavingsReturnForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.savings_return_submit(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # A repeated sending of the same form lands here too, with one return.
            messages.success(request, "Your savings return has been sent for verification")
            return redirect("savings:award_detail", pk=award.pk)
    return render(request, "savings/return_form.html", {"award": award, "form": form})


@role_required(APPLICANT, OFFICER)
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A return's supporting document, for officers and the council that sent it."""
    entry = selectors.evidence_get_for_user(user=request.user, pk=pk)
    if entry is None:
        raise Http404("No supporting document with this number")
    try:
        handle = entry.document.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    extension = entry.document.name.rsplit(".", 1)[-1]
    name = safe_download_name(f"{entry.council.short_name} savings evidence {entry.pk}.{extension}")
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
