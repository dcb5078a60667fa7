"""Middleware for signed-in users: session limits, private pages, the lockout response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from programmes.signin import lockout_message

# The session key holding when this session signed in (a POSIX timestamp).
SIGNED_IN_AT = "signed_in_at"


class SessionLimitsMiddleware:
    """Signs a user out DJANGO_SESSION_MAX_HOURS after they signed in, however
    active they have been: a stolen session cookie stops working by then.

    The idle limit is the session cookie's own age, renewed on every request
    (SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            max_age = timedelta(hours=settings.SESSION_MAX_HOURS).total_seconds()
            if now - signed_in_at > max_age:
                logout(request)
                messages.info(request, "You have been signed out for your security. Sign in again")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every page a signed-in user gets,
    so neither a shared proxy nor the browser's back button after signing
    out shows another person's bids. Directives a view set stay."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes's AXES_LOCKOUT_CALLABLE: keep the sign-in page, which already
    shows the lockout as a form error (programmes.signin), with status 429."""
    if original_response is None:
        original_response = HttpResponse(lockout_message(request, credentials))
    original_response.status_code = 429
    return original_response
