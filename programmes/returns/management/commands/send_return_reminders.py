"""`manage.py send_return_reminders [--dry-run]`: what the daily task does.

Makes the returns the calls' schedules ask for, then sends each reminder
(before the due date) and overdue notice (after it) that is due and not yet
sent: at most one per return and stage. `--dry-run` writes and sends
nothing and lists what it would send.
"""

from django.core.management.base import BaseCommand

from programmes.returns.tasks import return_reminders_run


class Command(BaseCommand):
    help = "Send savings return reminders and overdue notices (what the daily task does)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be sent; send nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        sent = return_reminders_run(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for item in sent:
            savings_return = item.savings_return
            self.stdout.write(
                f"{verb} {item.stage} for {savings_return.reference} "
                f"({savings_return.council.name}, due "
                f"{savings_return.due_date:%-d %B %Y}) to {item.recipients} people"
            )
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(sent)} reminders and notices."))
