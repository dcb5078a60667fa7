# Trigram indexes for the admin's search of the two big lists (PostgreSQL only).
#
# Django writes icontains as UPPER(column::text) LIKE UPPER('%term%'), so each
# index is on that expression; a LIKE '%term%' of three or more characters
# then reads the index instead of every row.
#
# The indexes are made by SQL on PostgreSQL and are not in the models' state:
# SQLite has no GIN indexes, and an index in the state would be re-created by
# every later migration that rebuilds the table on SQLite (which fails).

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("investment_description_trgm", "savings_investment", "description"),
    ("savings_evidence_trgm", "savings_savingsentry", "evidence"),
]


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL; nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("savings", "0005_admin_list_indexes"),
    ]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS pg_trgm; a no-op on other databases.
        TrigramExtension(),
        *(
            RunSQLOnPostgreSQL(
                sql=f'CREATE INDEX "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)',
                reverse_sql=f'DROP INDEX "{name}"',
            )
            for name, table, column in INDEXES
        ),
    ]
