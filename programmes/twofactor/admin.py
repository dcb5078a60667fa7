"""Two libraries' admins, mended where they answer a server error or tell
more than they should (issue 25). Registered again on the one admin site,
after the libraries' own (this app comes after them in INSTALLED_APPS).

- django-axes's sign-in attempts: its "Clean up expired attempts" action
  reads `request.axes_attempt_time`, which only a sign-in request carries, so
  it failed (AttributeError) for every selection.
- django-otp's authenticator devices: the `config/` and `qrcode/` pages
  answered 500 for an id that does not exist and 403 for one that does, so
  the status told which ids exist. Both now answer 404 alike for a device
  that does not exist or that the user may not see; for one they may see,
  the secret stays hidden (OTP_ADMIN_HIDE_SENSITIVE_DATA, settings) with 403.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OtpTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.admin_tools import _storable


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        # Expired as at now: axes counts the cool-off back from the sign-in
        # attempt's time, which an admin request does not have.
        if getattr(request, "axes_attempt_time", None) is None:
            request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)


class TOTPDeviceAdmin(OtpTOTPDeviceAdmin):
    def _visible_device(self, request: HttpRequest, pk) -> TOTPDevice:
        """The device, if it exists and the user may see it; otherwise 404,
        the same answer either way."""
        key = TOTPDevice._meta.pk
        device = self.get_queryset(request).filter(pk=pk).first() if _storable(key, pk) else None
        if device is None or not self.has_view_or_change_permission(request, device):
            raise Http404("No authenticator device with that id.")
        return device

    def config_view(self, request: HttpRequest, pk) -> HttpResponse:
        self._visible_device(request, pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk) -> HttpResponse:
        self._visible_device(request, pk)
        return super().qrcode_view(request, pk)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptAdmin)
admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)
