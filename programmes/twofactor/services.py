"""Writes to users' two-factor devices (django-otp's models). One transaction each.

Who may act: set-up, confirmation, new backup codes and verifying a code
act on `user`'s own devices, and `user` is the signed-in person doing it
(the sign-in flow decides who reaches them), so they take no separate actor.
Removing another user's devices is an officer's act: `two_factor_reset`
takes `actor` and calls `require_officer` (programmes/permissions.py).
"""

from __future__ import annotations

import base64

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.accounts import account_reset_record
from programmes.models import User
from programmes.permissions import Actor, require_manages_accounts

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed in."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed app device, created on first visit to set-up.

    Kept between visits so that reloading the page does not change the
    secret the user may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app device if `token` is its current code; replace any
    older devices and return ten new backup codes. None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return backup_codes_generate(user=device.user)


@transaction.atomic
def backup_codes_generate(*, user: User) -> list[str]:
    """Ten new single-use backup codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user: User, token: str) -> Device | None:
    """The device that accepts `token` (an app code, or a backup code, which
    is then used up), or None. django-otp throttles repeated failures per
    device and refuses an app code that was already used."""
    token = "".join(token.split()).lower()
    for device in devices_for_user(user):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


@transaction.atomic
def two_factor_reset(*, user: User, actor: Actor, reason: str) -> int:
    """Remove every device of `user` (a lost phone): they set up again at
    their next page, and a session they verified earlier stops counting,
    because django-otp's middleware no longer finds its device.

    Only an officer who manages accounts, never on a superuser's account
    (unless a superuser) nor their own (programmes.permissions.
    require_manages_accounts); with a reason, kept in the audit trail, and
    the account's owner is emailed."""
    require_manages_accounts(actor, user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why their two-factor sign-in is being reset"})
    deleted = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        deleted += 1
    account_reset_record(actor=actor, user=user, what="two-factor sign-in", reason=reason)
    return deleted
