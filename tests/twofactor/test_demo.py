"""The demo officer and board member have the demo secret; a command prints their code."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.demo import DEMO_TOTP_SECRET

pytestmark = pytest.mark.django_db


def test_load_demo_gives_the_officer_and_board_member_the_demo_secret(demo, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert DEMO_TOTP_SECRET in out.getvalue()
    assert "manage.py demo_totp_code demo-officer" in out.getvalue()
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(d.user.username for d in devices) == [
        "demo-assessor-a",
        "demo-assessor-b",
        "demo-board",
        "demo-director",
        "demo-lga-finance",
        "demo-manager",
        "demo-officer",
    ]

    code = io.StringIO()
    call_command("demo_totp_code", "demo-officer", stdout=code)
    device = devices.get(user__username="demo-officer")
    # The step may have turned over since the command ran.
    now_or_just_before = {f"{totp(device.bin_key, drift=d):06d}" for d in (0, -1)}
    assert code.getvalue().strip() in now_or_just_before


def test_the_code_command_refuses_with_debug_off(settings, officer):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo_totp_code", "officer", stdout=io.StringIO())
