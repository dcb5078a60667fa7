"""Award shares keep their history (docs/board.md, "As at a date").

Each existing share applies from the day its award was decided (London, as
the services set it); a share of an award with no decision time (none
should exist: shares are made by the approval) from the migration's day.
"""

from zoneinfo import ZoneInfo

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate

LONDON = ZoneInfo("Europe/London")


def fill(apps, schema_editor):
    AwardShare = apps.get_model("applications", "AwardShare")
    Application = apps.get_model("applications", "Application")
    decided = Application.objects.filter(pk=OuterRef("application_id"), decided_at__isnull=False)
    AwardShare.objects.filter(application__decided_at__isnull=False).update(
        starts_on=Subquery(
            decided.annotate(on=TruncDate("decided_at", tzinfo=LONDON)).values("on")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0014_partner_confirmations"),
        ("programmes", "0009_finance_officer"),
    ]

    operations = [
        migrations.AddField(
            model_name="awardshare",
            name="starts_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, verbose_name="applies from"
            ),
        ),
        migrations.CreateModel(
            name="AwardSharePast",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="share (£)"),
                ),
                ("starts_on", models.DateField(verbose_name="applied from")),
                ("ends_on", models.DateField(verbose_name="replaced on")),
                ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="changed at")),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares_past",
                        to="applications.application",
                    ),
                ),
                (
                    "council",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="programmes.council",
                    ),
                ),
            ],
            options={
                "verbose_name": "earlier share",
                "ordering": ["application", "-ends_on", "-pk"],
                "indexes": [
                    models.Index(fields=["application", "ends_on"], name="award_share_past_award")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_on__gt", models.F("starts_on"))),
                        name="award_share_past_ends_after_start",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
