"""Sign-in throttling (django-axes): when a lockout ends, in words.

Axes counts failures per username and per IP address over the cool-off;
a lockout ends once the latest failure that caused it is older than the
cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off, so attempts
during the lockout do not move that time)."""

from __future__ import annotations

from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone


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
