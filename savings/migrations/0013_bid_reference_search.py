# The bid's reference copied onto each investment and savings fact, for the
# admin lists' search (programmes.admin_tools.BigListMixin; docs/savings.md,
# "A word that matches many bids"): a word in tens of thousands of bids'
# references was looked up in every bid and then probed once per bid in the
# facts' index (279 ms at 88,000 bids, issue 26); on the fact, a trigram
# index (PostgreSQL) finds the facts themselves.
#
# The column keeps a database default of "" so that bulk SQL inserts that do
# not name it (the benchmarks') still work. Existing facts are filled from
# their bids here; the services keep it from then on. The trigram indexes
# are made by SQL on PostgreSQL only and are not in the models' state, as in
# savings 0006 (SQLite has no GIN indexes).

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

INDEXES = [
    ("investment_bid_reference_trgm", "savings_investment"),
    ("savings_bid_reference_trgm", "savings_savingsentry"),
]


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL; nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def copy_references(apps, schema_editor):
    application = apps.get_model("applications", "Application")
    reference = application.objects.filter(pk=OuterRef("application_id")).values("reference")
    for name in ("Investment", "SavingsEntry"):
        apps.get_model("savings", name).objects.filter(application__isnull=False).update(
            bid_reference=Subquery(reference[:1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("savings", "0012_rollup_months"),
    ]

    operations = [
        migrations.AddField(
            model_name="investment",
            name="bid_reference",
            field=models.CharField(blank=True, db_default="", default="", max_length=20),
        ),
        migrations.AddField(
            model_name="savingsentry",
            name="bid_reference",
            field=models.CharField(blank=True, db_default="", default="", max_length=20),
        ),
        migrations.RunPython(copy_references, migrations.RunPython.noop),
        *(
            RunSQLOnPostgreSQL(
                sql=(
                    f'CREATE INDEX "{name}" ON "{table}" '
                    'USING gin (UPPER("bid_reference") gin_trgm_ops)'
                ),
                reverse_sql=f'DROP INDEX "{name}"',
            )
            for name, table in INDEXES
        ),
    ]
