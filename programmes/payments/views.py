"""A council's claims on its awards, as the council makes them. Applicants
only, own council only (other councils' awards are 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from programmes.access import AuthenticatedRequest, applicant_council, role_required
from programmes.documents import document_open, safe_download_name
from programmes.forms import posted
from programmes.payments import selectors, services
from programmes.payments.forms import ClaimForm
from programmes.roles import APPLICANT, OFFICER


@role_required(APPLICANT)
def award_list(request: AuthenticatedRequest) -> HttpResponse:
    council = applicant_council(request)
    awards = selectors.commitments_for_council(council_id=council.pk)
    return render(request, "payments/award_list.html", {"awards": awards})


@role_required(APPLICANT)
def award_claims(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = selectors.commitment_get_for_user(user=request.user, pk=pk)
    council_id = applicant_council(request).pk
    context = {
        "award": award,
        "limit": selectors.claim_limit(award, council_id=council_id),
        "claims": selectors.claims_for_commitment(commitment=award, council_id=council_id),
    }
    return render(request, "payments/award_claims.html", context)


@require_http_methods(["GET", "POST"])
@role_required(APPLICANT)
def claim_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = selectors.commitment_get_for_user(user=request.user, pk=pk)
    if award.is_in_adviser_days:
        # Nothing to claim: the award's page says who is paid (claim_submit refuses too).
        return redirect("payments:award_claims", pk=award.pk)
    form = ClaimForm(posted(request), request.FILES or None)
    if form.is_valid():
        try:
            services.claim_submit(commitment=award, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your claim has been sent to the LGA to check")
            return redirect("payments:award_claims", pk=award.pk)
    limit = selectors.claim_limit(award, council_id=applicant_council(request).pk)
    context = {"award": award, "form": form, "limit": limit}
    return render(request, "payments/claim_form.html", context)


@role_required(APPLICANT, OFFICER)
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A claim's evidence, for officers and the council that claimed."""
    claim = selectors.claim_evidence_get_for_user(user=request.user, pk=pk)
    try:
        handle = document_open(claim.evidence)
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    name = safe_download_name(claim.evidence_name or f"claim {claim.pk} evidence")
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
