"""`manage.py councils_load [PATH] [--dry-run]`: load the council register.

Reads a register file (programmes/register.py; the repository's
`programmes/data/councils.csv` when no path is given), adds the councils the
portal does not hold, changes the fields that differ, sets successors, and
reports each change. A council the file leaves out is reported and kept,
never deleted (docs/councils.md). A file with any problem loads nothing:
every problem is listed with its line. `--dry-run` reports what would
change and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programmes.permissions import IMPORT
from programmes.register import REGISTER_CSV, RegisterFileError, register_read
from programmes.services import councils_load


class Command(BaseCommand):
    help = "Load the council register from a CSV file and report what changed."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", nargs="?", default=str(REGISTER_CSV), help="The register file (CSV)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; change nothing."
        )

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        try:
            entries = register_read(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except (RegisterFileError, UnicodeDecodeError) as exc:
            raise CommandError(f"Nothing was loaded from {path}:\n{exc}") from exc
        try:
            with transaction.atomic():
                changes = councils_load(entries=entries, actor=IMPORT)
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            problems = "\n".join(exc.messages)
            raise CommandError(f"Nothing was loaded from {path}:\n{problems}") from exc
        for line in changes.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"{len(entries)} councils in the file: {len(changes.added)} added, "
            f"{len(changes.changed)} changed, {changes.unchanged} unchanged; "
            f"successors set for {len(changes.successors)}; "
            f"{len(changes.missing)} in the portal but not in the file (kept)."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
