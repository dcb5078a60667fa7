"""Middleware for signed-in users: session limits, private pages, the lockout response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.defaults import page_not_found

from programmes.signin import lockout_message

# Session keys: when this session signed in, and when it last made a
# request (POSIX timestamps).
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# How stale LAST_SEEN may get before a request renews it: writing the session
# on every request would cost three queries a page.
RENEW_AFTER_SECONDS = 60


def session_stamp(sender, request: HttpRequest, user, **kwargs) -> None:
    """On signing in (a user_logged_in receiver, connected in apps.py): start
    both clocks, saved with the new session."""
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionLimitsMiddleware:
    """Signs a user out after DJANGO_SESSION_IDLE_MINUTES without a request,
    and DJANGO_SESSION_MAX_HOURS after they signed in however active they
    have been, so a stolen session cookie stops working by then.

    Saving the session (every minute or so of activity) also pushes back the
    session row's and cookie's own expiry (SESSION_COOKIE_AGE, the idle limit)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = timezone.now().timestamp()
            signed_in_at = session.get(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES).total_seconds()
            max_age = timedelta(hours=settings.SESSION_MAX_HOURS).total_seconds()
            if now - last_seen > idle or now - signed_in_at > max_age:
                logout(request)
                messages.info(request, "You have been signed out for your security. Sign in again")
                return redirect_to_login(request.get_full_path())
            if SIGNED_IN_AT not in session:
                session[SIGNED_IN_AT] = now
            if LAST_SEEN not in session or now - last_seen > RENEW_AFTER_SECONDS:
                session[LAST_SEEN] = now
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


class NotFoundPageMiddleware:
    """With DEBUG on (the demo) a missing page is the production "Page not
    found", not Django's debug page that lists every URL pattern: demo users
    are new users, and that page is a map of the portal (issue 27). Tracebacks
    of real errors stay. Off DEBUG Django shows templates/404.html already."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No view matched the address (its 404 is made before any view runs).
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return page_not_found(request, Resolver404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


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
