from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programmes.access import role_required
from programmes.models import Strand
from programmes.roles import BOARD_MEMBER, OFFICER


@role_required(BOARD_MEMBER, OFFICER)
def overview(request: HttpRequest) -> HttpResponse:
    """The programme overview. Figures arrive with the rollups (savings issue)."""
    return render(request, "board/overview.html", {"strands": Strand.objects.all()})
