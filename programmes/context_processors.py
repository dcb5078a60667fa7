from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from programmes.models import User
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER, user_role
from programmes.strands import strands


def _navigation(request: HttpRequest) -> list[dict]:
    role = user_role(request.user)
    items: list[tuple[str, str]] = []
    if role == APPLICANT:
        items.append(("Your council's bids", reverse("applications:bid_list")))
        items.append(("Savings returns", reverse("savings:award_list")))
        for spec in strands().values():
            if spec.council_nav:
                item = spec.council_nav(request.user)
                if item:
                    items.append(item)
        user = request.user
        assert isinstance(user, User), "only a signed-in user has the applicant role"
        if user.is_finance_officer:
            items.append(("Returns to certify", reverse("savings:certify_list")))
        if user.is_council_lead:
            items.append(("Your council's users", reverse("team")))
    if role in (OFFICER, BOARD_MEMBER):
        items.append(("Dashboards", reverse("board:overview")))
    if role == OFFICER:
        items.append(("Admin", reverse("admin:index")))
    # The item of the page: the longest address the page's starts with
    # ("Returns to certify", /savings/certify/, under "Savings returns", /savings/).
    current = max(
        (url for _label, url in items if request.path.startswith(url)), key=len, default=""
    )
    return [{"label": label, "url": url, "current": url == current} for label, url in items]


def service(request: HttpRequest) -> dict:
    return {
        "service_name": settings.SERVICE_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "service_navigation": _navigation(request),
    }
