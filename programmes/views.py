from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER, user_role

LANDING_PAGES = {
    APPLICANT: "applications:bid_list",
    OFFICER: "admin:index",
    BOARD_MEMBER: "board:overview",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its place; an account without a role is told why."""
    role = user_role(request.user)
    if role in LANDING_PAGES:
        return redirect(LANDING_PAGES[role])
    return render(request, "programmes/no_role.html", status=403)


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/accessibility.html")
