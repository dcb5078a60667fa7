from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

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


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: our mark, not a
    404 in every log line (issue 27)."""
    return redirect(static("images/favicon-32.png"), permanent=True)


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/accessibility.html")
