"""The admin site: django-otp's OTPAdminSite, with our sign-in pages in front.

OTPAdminSite treats a staff user whose session is not verified by a device
as not staff. Its own login form (password and token on one admin-styled
page) is not used: a signed-in officer without a verified session is sent to
the GOV.UK code page (or set-up, when they have no device yet) instead.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from programmes.twofactor.policy import is_verified, redirect_to_second_factor


class TwoFactorAdminSite(OTPAdminSite):
    # The default site keeps the name "admin", so `admin:` URL names still work.
    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if AdminSite.has_permission(self, request) and not is_verified(request):
            return redirect_to_second_factor(request, request.GET.get("next") or "/admin/")
        return AdminSite.login(self, request, extra_context)
