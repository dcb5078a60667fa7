"""Who may see a page. Views call these; they never check roles inline.

Anonymous users are sent to sign in. A signed-in user whose role may not use
a page gets 403. Records of another council are 404, decided by each app's
`<record>_get_for_user` helper, so that outsiders cannot learn they exist.
A user who still owes the second factor (programmes/twofactor) is sent to
the code page first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from programmes.roles import user_role
from programmes.twofactor.policy import redirect_to_second_factor, second_factor_missing

if TYPE_CHECKING:
    from programmes.models import Council, User


class AuthenticatedRequest(HttpRequest):
    """A request whose user is signed in: pages behind `role_required` or
    `login_required`, and the admin (which only serves active staff), never
    see an anonymous user.
    For type checking only; Django builds plain HttpRequests."""

    user: User


def authenticated(request: HttpRequest) -> AuthenticatedRequest:
    """`request` typed as signed in, for methods whose signature Django fixes
    (ModelAdmin.save_model and the like) but that only run behind the admin's
    sign-in. No check at run time: it is a cast."""
    return cast(AuthenticatedRequest, request)


def applicant_council(request: AuthenticatedRequest) -> Council:
    """The council of the signed-in council user, on a page behind
    `role_required(APPLICANT)`: that role needs a council (programmes.roles)."""
    council = request.user.council
    assert council is not None, "role_required(APPLICANT) lets in only users with a council"
    return council


def second_factor_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A page any signed-in user may open, but only once their session has
    given the second factor their role needs (or they turned on): changing a
    password, for one, must not be open to someone who has only the password."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if second_factor_missing(request):
            return redirect_to_second_factor(request, request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: str, denied: type[Exception] = PermissionDenied) -> Callable:
    """Anonymous users sign in; other roles get `denied` (403 by default; pages
    whose existence is not theirs to know, like the board's, pass Http404)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user_role(request.user) not in roles:
                raise denied
            # Officers and board members (and anyone who opted in) give a
            # code after their password before any of their pages open.
            if second_factor_missing(request):
                return redirect_to_second_factor(request, request.get_full_path())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
