"""Who must give a second factor, and where they are sent until they have."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from programmes.roles import BOARD_MEMBER, OFFICER, user_role

# Officers change the programme's records and board members read every
# council's figures: both need two factors. Council applicants may opt in.
ROLES_REQUIRING_TWO_FACTORS = (OFFICER, BOARD_MEMBER)

# Set at password sign-in for a user who has a device but is not required to
# use one, so that opting in means being asked for a code every time.
CODE_PENDING_SESSION_KEY = "twofactor_code_pending"


def is_verified(request: HttpRequest) -> bool:
    """True once django-otp's middleware has found the device that verified
    this session (it checks the device still exists and is confirmed)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def two_factors_required(user) -> bool:
    """Officers, board members, and any staff account (the admin, whatever
    the groups, asks every staff user for a verified device)."""
    return user.is_staff or user_role(user) in ROLES_REQUIRING_TWO_FACTORS


def second_factor_missing(request: HttpRequest) -> bool:
    """Does this signed-in user still owe a code before their pages open?"""
    if is_verified(request):
        return False
    if two_factors_required(request.user):
        return True
    return bool(request.session.get(CODE_PENDING_SESSION_KEY))


def redirect_to_second_factor(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    """The code page, which sends a user without a device on to set-up."""
    return HttpResponseRedirect(f"{reverse('twofactor:verify')}?{urlencode({'next': next_url})}")
