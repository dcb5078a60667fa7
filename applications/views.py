from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programmes.access import role_required
from programmes.roles import APPLICANT


@role_required(APPLICANT)
def bid_list(request: HttpRequest) -> HttpResponse:
    """Your council's bids: the applicant's home."""
    return render(request, "applications/bid_list.html", {"council": request.user.council})
