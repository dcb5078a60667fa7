"""Each council an award serves reports on its own returns (docs/savings.md,
"Shared awards"): a return names its council; the returns made so far are
the lead council's."""

import django.db.models.deletion
from django.db import migrations, models


def lead_council_backfill(apps, schema_editor):
    SavingsReturn = apps.get_model("returns", "SavingsReturn")
    Application = apps.get_model("applications", "Application")
    leads = Application.objects.filter(pk=models.OuterRef("application_id")).values(
        "lead_council_id"
    )
    SavingsReturn.objects.filter(council__isnull=True).update(council_id=models.Subquery(leads))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0013_returns_need_certification"),
        ("programmes", "0009_finance_officer"),
        ("returns", "0003_certification"),
    ]

    operations = [
        migrations.AddField(
            model_name="savingsreturn",
            name="council",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="savings_returns",
                to="programmes.council",
            ),
        ),
        migrations.RunPython(lead_council_backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="savingsreturn",
            name="council",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="savings_returns",
                to="programmes.council",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="savingsreturn",
            name="one_return_per_award_period",
        ),
        migrations.AddConstraint(
            model_name="savingsreturn",
            constraint=models.UniqueConstraint(
                fields=("application", "council", "period_start"),
                name="one_return_per_award_council_period",
            ),
        ),
    ]
