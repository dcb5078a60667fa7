"""Print a demo user's current security code, so `make demo` needs no phone."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current authenticator code of a user's app device (demo use only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Print a code even though DEBUG is off (never on a live service).",
        )

    def handle(self, *args, username: str, force: bool, **options) -> None:
        # A code generator on a live service would make the second factor
        # only as strong as shell access: demo and development only.
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to print security codes with DEBUG off. Set DJANGO_DEBUG=true, "
                "or pass --force if you really mean it."
            )
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator app device.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
