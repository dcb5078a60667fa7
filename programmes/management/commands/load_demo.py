"""Load the 2013 demo programme. Idempotent: a second run changes no rows."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programmes.demo import DemoContext


class Command(BaseCommand):
    help = "Load the demo data set (the 2013 programme) and print the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create demo users even though DEBUG is off (never on a live service).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give existing demo users new passwords, so they can be printed "
            "(and the demo invitation a new link).",
        )
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000/",
            help="Where the demo is served, for links in its emails (make demo: HOST and PORT).",
        )

    def handle(self, *args, force: bool, reset_passwords: bool, site_url: str, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with DEBUG off: demo logins on a live "
                "service are a way in. Set DJANGO_DEBUG=true, or pass --force if you "
                "really mean it."
            )
        context = DemoContext(
            write=self.stdout.write, reset_passwords=reset_passwords, site_url=site_url
        )
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).load(context)
            for step in (*context.completing, *context.afterwards):
                step()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for label, username, password in context.logins:
            self.stdout.write(f"  {label:<45} username: {username:<18} password: {password}")
        if context.notes:
            self.stdout.write("")
            for note in context.notes:
                self.stdout.write(note)
