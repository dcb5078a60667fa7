"""Two-factor pages: the code after the password, set-up, backup codes, reset.

The password page (/sign-in/) stays the first step; it signs the user in and
sends anyone who owes a code here. django-otp marks the session verified
(`django_otp.login`) once a device accepts a code.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from programmes.access import AuthenticatedRequest, role_required
from programmes.forms import SignInForm, service_errors
from programmes.models import User
from programmes.permissions import MANAGE_ACCOUNTS
from programmes.roles import OFFICER, user_role
from programmes.twofactor import services
from programmes.twofactor.forms import CodeForm, ResetForm, SetUpForm
from programmes.twofactor.policy import (
    CODE_PENDING_SESSION_KEY,
    is_verified,
    redirect_to_second_factor,
    two_factors_required,
)

# Backup codes are shown once: kept in the session only between set-up and
# the page that shows them.
BACKUP_CODES_SESSION_KEY = "twofactor_backup_codes"


class SignInView(LoginView):
    """The password step; anyone with a device, or whose role needs one, goes on to the code."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        has_device = user_has_device(user)
        if has_device:
            self.request.session[CODE_PENDING_SESSION_KEY] = True
        if has_device or two_factors_required(user):
            return redirect_to_second_factor(self.request, self.get_success_url())
        return response


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse("home")


def _qr_svg(text: str) -> str:
    """An SVG QR code (qrcode's own SVG writer: no imaging library needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    next_url = _next_url(request)
    if is_verified(request):
        return redirect(next_url)
    if not user_has_device(request.user):
        request.session.pop(CODE_PENDING_SESSION_KEY, None)
        if two_factors_required(request.user):
            return redirect(f"{reverse('twofactor:setup')}?{urlencode({'next': next_url})}")
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = services.second_factor_verify(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            # A new session key once the second factor is given, as Django
            # renews it at the password: a key seen before (fixation, a
            # half-signed-in session) is worth nothing after.
            request.session.cycle_key()
            django_otp.login(request, device)
            request.session.pop(CODE_PENDING_SESSION_KEY, None)
            return redirect(next_url)
        form.wrong_code()
    return render(request, "twofactor/verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def setup(request: AuthenticatedRequest) -> HttpResponse:
    next_url = _next_url(request)
    # With a device already, only a session that device verified may replace
    # it: a stolen password alone must not be enough to enrol a new phone.
    if user_has_device(request.user) and not is_verified(request):
        return redirect_to_second_factor(request, request.get_full_path())
    device = services.totp_device_start(user=request.user)
    form = SetUpForm(request.POST or None)
    if form.is_valid():
        codes = services.totp_device_confirm(device=device, token=form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            request.session.pop(CODE_PENDING_SESSION_KEY, None)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect(f"{reverse('twofactor:backup_codes')}?{urlencode({'next': next_url})}")
        form.add_error(
            "code",
            "The security code is not right. Enter the 6-digit code your app shows now",
        )
    context = {
        "form": form,
        "next": next_url,
        "secret": services.totp_secret_base32(device),
        "qr_svg": _qr_svg(device.config_url),
    }
    return render(request, "twofactor/setup.html", context)


@never_cache
@login_required
def backup_codes(request: AuthenticatedRequest) -> HttpResponse:
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("twofactor:account")
    return render(
        request, "twofactor/backup_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@never_cache
@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "has_device": user_has_device(request.user),
        "verified": is_verified(request),
        "required": two_factors_required(request.user),
        # The link to reset someone else's device, for those who may.
        "manages_accounts": user_role(request.user) == OFFICER
        and request.user.has_perm(MANAGE_ACCOUNTS),
    }
    return render(request, "twofactor/account.html", context)


@require_POST
@login_required
def backup_codes_new(request: AuthenticatedRequest) -> HttpResponse:
    if not is_verified(request):
        return redirect_to_second_factor(request, reverse("twofactor:account"))
    request.session[BACKUP_CODES_SESSION_KEY] = services.backup_codes_generate(user=request.user)
    return redirect("twofactor:backup_codes")


@never_cache
@role_required(OFFICER)
def reset(request: AuthenticatedRequest) -> HttpResponse:
    """An officer who manages accounts removes another user's devices (a lost
    or replaced phone), with a reason; the owner is emailed."""
    if not request.user.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("Only an officer who manages accounts can reset someone's device")
    form = ResetForm(request.POST or None)
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", "There is no user with that username")
            return render(request, "twofactor/reset.html", {"form": form})
        try:
            services.two_factor_reset(
                user=user, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied as refused:
            form.add_error("username", str(refused))
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(
                request,
                f"{user.username} has no two-factor device now. They will set up "
                "a new one the next time they sign in.",
            )
            return redirect("twofactor:reset")
    return render(request, "twofactor/reset.html", {"form": form})
