"""`manage.py anonymise [--years N] [--dry-run]`: retention, run by hand.

The same service the monthly task runs (`applications.retention.anonymise`):
bids declined or withdrawn more than N years ago (`RETENTION_YEARS` by
default) and deactivated accounts lose their personal data and documents.
`--dry-run` reports the counts and changes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applications import retention
from programmes.permissions import RETENTION


class Command(BaseCommand):
    help = (
        "Remove personal data and documents from bids declined or withdrawn more than "
        "N years ago, and from deactivated accounts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=f"Keep closed bids this many years (default {settings.RETENTION_YEARS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be removed; change nothing."
        )

    def handle(self, *args, years: int | None, dry_run: bool, **options) -> None:
        if years is not None and years < 1:
            raise CommandError("--years must be 1 or more")
        years = settings.RETENTION_YEARS if years is None else years
        report = retention.anonymise(actor=RETENTION, years=years, dry_run=dry_run)
        verb, deleted, scrubbed = (
            ("Would anonymise", "to delete", "to scrub")
            if dry_run
            else ("Anonymised", "deleted", "scrubbed")
        )
        self.stdout.write(
            f"{verb} {report.bids} bids declined or withdrawn more than {years} years ago "
            f"({report.documents} documents {deleted}) and {report.users} deactivated "
            f"accounts; {report.audit_entries} audit entries {scrubbed}."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
