"""Effective dates on the facts (docs/savings.md, "Effective dates").

Existing rows get the best date they hold: an award the day its bid was
decided (else the day the row was written); a saving the day its return was
sent (else the day the row was written). Dates are London dates, as the
services set them.
"""

from zoneinfo import ZoneInfo

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate

LONDON = ZoneInfo("Europe/London")


def fill(apps, schema_editor):
    Investment = apps.get_model("savings", "Investment")
    SavingsEntry = apps.get_model("savings", "SavingsEntry")
    Application = apps.get_model("applications", "Application")
    SavingsReturn = apps.get_model("returns", "SavingsReturn")
    Investment.objects.update(awarded_on=TruncDate("created_at", tzinfo=LONDON))
    decided = Application.objects.filter(pk=OuterRef("application_id"), decided_at__isnull=False)
    Investment.objects.filter(
        application__isnull=False, application__decided_at__isnull=False
    ).update(
        awarded_on=Subquery(
            decided.annotate(on=TruncDate("decided_at", tzinfo=LONDON)).values("on")[:1]
        )
    )
    SavingsEntry.objects.update(reported_on=TruncDate("created_at", tzinfo=LONDON))
    sent = SavingsReturn.objects.filter(
        pk=OuterRef("savings_return_id"), submitted_at__isnull=False
    )
    SavingsEntry.objects.filter(
        savings_return__isnull=False, savings_return__submitted_at__isnull=False
    ).update(
        reported_on=Subquery(
            sent.annotate(on=TruncDate("submitted_at", tzinfo=LONDON)).values("on")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0011_second_decision_not_negative"),
        ("programmes", "0008_council_register"),
        ("returns", "0002_return_extended_at"),
        ("savings", "0010_outbox_insert_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="investment",
            name="awarded_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, verbose_name="awarded on"
            ),
        ),
        migrations.AddField(
            model_name="savingsentry",
            name="reported_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, verbose_name="reported on"
            ),
        ),
        migrations.AddIndex(
            model_name="investment",
            index=models.Index(fields=["council", "awarded_on"], name="investment_council_awarded"),
        ),
        migrations.AddIndex(
            model_name="investment",
            index=models.Index(fields=["awarded_on"], name="investment_awarded_on"),
        ),
        migrations.AddIndex(
            model_name="savingsentry",
            index=models.Index(fields=["council", "reported_on"], name="savings_council_reported"),
        ),
        migrations.AddIndex(
            model_name="savingsentry",
            index=models.Index(fields=["reported_on"], name="savings_reported_on"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
