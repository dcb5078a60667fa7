"""`manage.py recompute_rollups [--all] [--strand KEY]`: the operator's catch-up.

Without options it drains the outbox (what the worker does after each change);
`--all` rebuilds every rollup from the facts (what the nightly task does);
`--strand KEY` marks every scope of one strand dirty and drains them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from programmes.models import Strand
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import Investment, OutboxMarker, Rollup, SavingsEntry
from savings.selectors import outbox_oldest_pending
from savings.services import scopes_mark


def _scopes(queryset: QuerySet) -> set[tuple[int, int, str]]:
    return set(queryset.values_list("strand_id", "council_id", "financial_year").distinct())


class Command(BaseCommand):
    help = "Recompute savings rollups: drain the outbox, one strand, or everything."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="Rebuild every rollup row.")
        group.add_argument("--strand", metavar="KEY", help="Recompute one strand, e.g. experts.")

    def handle(self, *args, all: bool, strand: str | None, **options) -> None:  # noqa: A002
        if all:
            rows = rollups.recompute_all(progress=self._level_progress)
            self.stdout.write(self.style.SUCCESS(f"Rebuilt {rows:,} rollup rows."))
            return
        if strand:
            found = Strand.objects.filter(key=strand).first()
            if found is None:
                keys = ", ".join(Strand.objects.values_list("key", flat=True))
                raise CommandError(f"No strand {strand!r}; known strands: {keys}")
            scopes = _scopes(Investment.objects.filter(strand=found)) | _scopes(
                SavingsEntry.objects.filter(strand=found)
            )
            # Scopes that have lost every fact still have rows to remove.
            scopes |= _scopes(
                Rollup.objects.filter(strand=found, council__isnull=False).exclude(
                    financial_year=""
                )
            )
            scopes_mark(scopes=scopes, actor=SYSTEM)
            self.stdout.write(f"Marked {len(scopes):,} scopes of {found.name}.")
        pending = OutboxMarker.objects.count()
        if not pending:
            self.stdout.write(
                self.style.SUCCESS("Nothing to recompute: the rollups are up to date.")
            )
            return
        oldest = outbox_oldest_pending()
        self.stdout.write(
            f"Draining {pending:,} dirty scopes (oldest from {oldest:%d %b %Y %H:%M})."
        )
        done = rollups.drain(progress=lambda removed: self._drain_progress(removed, pending))
        self.stdout.write(self.style.SUCCESS(f"Recomputed {done:,} scopes."))

    def _level_progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  level {done} of {total} done")

    def _drain_progress(self, removed: int, total: int) -> None:
        self.stdout.write(f"  {removed:,} of {total:,} scopes recomputed")
