"""Rollups by month of effective date (docs/savings.md, "Rollups by month"):
the board's figures as at a past date sum them for the whole months before
it. The table is filled here from the facts, as the full recompute fills it,
so that a past date's figures are right from the first request after the
deploy; the drain keeps it from then on. An index on `verified_at` serves
the savings verified in a date's own month.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    # The recompute's own SQL (plain table and column names), so the rows
    # are exactly those the drain would write.
    from savings.rollups import months_recompute

    with schema_editor.connection.cursor() as cursor:
        months_recompute(cursor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0009_finance_officer"),
        ("savings", "0011_effective_dates"),
    ]

    operations = [
        migrations.CreateModel(
            name="RollupMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("financial_year", models.CharField(max_length=7)),
                ("month", models.DateField()),
                ("whole_year", models.BooleanField(default=False)),
                ("investment", models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ("investment_count", models.PositiveIntegerField(default=0)),
                ("projected", models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ("target", models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                (
                    "realised_reported",
                    models.DecimalField(decimal_places=2, default=0, max_digits=18),
                ),
                (
                    "realised_verified",
                    models.DecimalField(decimal_places=2, default=0, max_digits=18),
                ),
                ("savings_count", models.PositiveIntegerField(default=0)),
                (
                    "council",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="programmes.council",
                    ),
                ),
                (
                    "strand",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="programmes.strand",
                    ),
                ),
            ],
            options={
                "ordering": ["strand_id", "council_id", "financial_year", "whole_year", "month"],
                "indexes": [
                    models.Index(fields=["whole_year", "month"], name="rollup_month_span"),
                    models.Index(
                        fields=["council", "whole_year", "month"], name="rollup_month_council"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("strand", "council", "financial_year", "whole_year", "month"),
                        name="rollup_month_scope",
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="savingsentry",
            index=models.Index(
                condition=models.Q(("verified_at__isnull", False)),
                fields=["verified_at"],
                name="savings_verified_at",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
