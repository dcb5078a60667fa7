"""Sign-in throttling (django-axes): when a lockout ends, in words; and the
throttle on password reset emails (django-ratelimit).

Axes counts failures per username and per IP address over the cool-off;
a lockout ends once the latest failure that caused it is older than the
cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off, so attempts
during the lockout do not move that time)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from programmes.cache import CacheUnavailable


def lockout_ends(request: HttpRequest, credentials: dict | None) -> datetime | None:
    """When the lockout on this username or IP address ends; None if not locked."""
    handler = AxesProxyHandler.get_implementation()
    limit = get_failure_limit(request, credentials)
    ends = None
    for attempts in handler.get_user_attempts(request, credentials):
        totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit:
            end = totals["last"] + get_cool_off(request)
            ends = end if ends is None else max(ends, end)
    return ends


def clock_time(moment: datetime) -> str:
    """8:42pm, the GOV.UK style; with the date when it is not today."""
    local = timezone.localtime(moment)
    text = f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    if local.date() != timezone.localdate():
        text += f" on {local.day} {local:%B}"
    return text


def lockout_message(request: HttpRequest, credentials: dict | None) -> str:
    ends = lockout_ends(request, credentials)
    when = f"Try again at {clock_time(ends)}" if ends else "Try again later"
    return f"You have entered the wrong details too many times. {when}"


# Password reset requests (django-ratelimit) ---------------------------------
# Each request sends an email: without a limit the form can flood a person's
# inbox or the mail service. Limits are per address asked for and per client
# address, the same for addresses with and without an account, so the limit
# reveals nothing about who has one.


def _client_ip(group: str, request: HttpRequest) -> str:
    # The address django-axes worked out (DJANGO_BEHIND_PROXY decides whether
    # X-Forwarded-For counts), so both throttles agree on who the client is.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def _email_asked_for(group: str, request: HttpRequest) -> str:
    # The address as the account lookup compares it (Django's PasswordResetForm:
    # NFKC, then casefold), so no spelling of one address ("ſ" for "s") counts
    # apart from the others.
    return unicodedata.normalize("NFKC", request.POST.get("email", "").strip()).casefold()


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset view, answering 429 with the form and a message when
    the address or the client has asked too often."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limited = False
        try:
            for group, key, rate in (
                ("password-reset-ip", _client_ip, settings.PASSWORD_RESET_RATE_PER_CLIENT),
                (
                    "password-reset-email",
                    _email_asked_for,
                    settings.PASSWORD_RESET_RATE_PER_ADDRESS,
                ),
            ):
                # Count against both limits on every request, so that being
                # stopped by one does not leave the other uncounted.
                limited |= is_ratelimited(
                    request, group=group, key=key, rate=rate, method="POST", increment=True
                )
        except CacheUnavailable:
            # The counts live in the cache (Redis): when it is down nothing
            # can be counted, and an uncounted request is not let through.
            return self._refused(request, COUNTS_UNAVAILABLE, status=503)
        if not limited:
            return super().post(request, *args, **kwargs)
        return self._refused(request, TOO_MANY, status=429)

    def _refused(self, request: HttpRequest, message: str, *, status: int) -> HttpResponse:
        form = self.get_form()
        form.is_valid()
        form.add_error(None if "email" in form.errors else "email", message)
        response = self.render_to_response(self.get_context_data(form=form), status=status)
        if status == 503:
            response["Retry-After"] = "60"
        return response


TOO_MANY = (
    "You have asked for too many password reset emails. Wait an hour, then try "
    "again, or ask an LGA officer to help you sign in"
)
COUNTS_UNAVAILABLE = (
    "Password reset emails cannot be sent at the moment. Try again in a few minutes, "
    "or ask an LGA officer to help you sign in"
)
