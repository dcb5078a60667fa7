"""The admin site: django-otp's OTPAdminSite, with our sign-in pages in front.

OTPAdminSite treats a staff user whose session is not verified by a device
as not staff. Its own login form (password and token on one admin-styled
page) is not used: a signed-in officer without a verified session is sent to
the GOV.UK code page (or set-up, when they have no device yet) instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import AdminSite, ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite

from programmes.twofactor.policy import is_verified, redirect_to_second_factor

# Tables the portal keeps for itself (derived figures, the worker's
# bookkeeping, sign-in records, the registry): listed under one "System"
# heading, last, out of the way of the officers' work (docs/design.md).
# "app_label.model" names; "app_label.*" for a whole app.
SYSTEM_MODELS = frozenset(
    {
        "savings.rollup",
        "savings.outboxmarker",
        "asce.ascestatistic",
        "applications.notice",
        # The record of reminders sent (each return's page lists its own).
        "savings.returnreminder",
        "programmes.strand",
        "auditlog.*",
        "axes.*",
        "otp_totp.*",
        "otp_static.*",
        "auth.*",
    }
)


def is_system_model(app_label: str, model_name: str) -> bool:
    return f"{app_label}.{model_name}" in SYSTEM_MODELS or f"{app_label}.*" in SYSTEM_MODELS


class TwoFactorAdminSite(OTPAdminSite):
    # The full width for the lists and the assessment page's two columns at
    # 1280 px: the home page and the breadcrumbs lead everywhere the
    # sidebar did.
    enable_nav_sidebar = False
    # Django's own sign-in page: OTPAdminSite's shows an "OTP Token:" label
    # with no box, as our form asks for the code on a page of its own.
    login_template = "admin/login.html"

    # The default site keeps the name "admin", so `admin:` URL names still work.
    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every registration, ours and the libraries', gets the guard on its
        list actions' row keys (programmes.admin_tools.ActionRowsGuard)."""
        from programmes.admin_tools import guarded

        super().register(model_or_iterable, guarded(admin_class or ModelAdmin), **options)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list:
        """The apps, with the system tables moved under a "System" heading at the end."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        system: list = []
        kept = []
        for app in apps:
            models = []
            for model in app["models"]:
                if is_system_model(app["app_label"], model["object_name"].lower()):
                    system.append({**model, "name": f"{model['name']} ({app['name']})"})
                else:
                    models.append(model)
            if models:
                kept.append({**app, "models": models})
        if system:
            kept.append(
                {
                    "name": "System",
                    "app_label": "system",
                    "app_url": "#system",
                    "has_module_perms": True,
                    "models": sorted(system, key=lambda model: model["name"]),
                }
            )
        return kept

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if AdminSite.has_permission(self, request) and not is_verified(request):
            return redirect_to_second_factor(request, request.GET.get("next") or "/admin/")
        if request.user.is_authenticated and not AdminSite.has_permission(self, request):
            # A council user or board member who follows a link to the admin:
            # their own pages, and why, not Django's "You are authenticated
            # as …, but are not authorized" over a second sign-in form.
            messages.info(request, NOT_FOR_YOU)
            return redirect("home")
        return AdminSite.login(self, request, extra_context)


NOT_FOR_YOU = (
    "The admin is for LGA officers, so you have been brought to your own pages. "
    "If you need to assess bids or verify savings, ask the Productivity Programme team."
)
