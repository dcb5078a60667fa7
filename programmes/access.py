"""Who may see a page. Views call these; they never check roles inline.

Anonymous users are sent to sign in. A signed-in user whose role may not use
a page gets 403. Records of another council are 404, decided by each app's
`<record>_get_for_user` helper, so that outsiders cannot learn they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from programmes.roles import user_role


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
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
