# A trigram index on the bids' references (PostgreSQL only), for the savings
# and investment lists' search (programmes.admin_tools.BigListMixin): a word
# is looked up in the bids' references, as UPPER(reference) LIKE '%WORD%',
# before the facts are; without it that read every bid (90-150 ms at 88,000
# bids, issue 26). Made by SQL and not in the models' state, as savings 0006
# does, for the same reasons (SQLite has no GIN indexes).

from django.db import migrations

NAME = "application_reference_trgm"


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
        ("applications", "0008_delete_notice"),
        # pg_trgm is created there.
        ("savings", "0006_search_trigram_indexes"),
    ]

    operations = [
        RunSQLOnPostgreSQL(
            sql=(
                f'CREATE INDEX "{NAME}" ON "applications_application" '
                'USING gin (UPPER("reference") gin_trgm_ops)'
            ),
            reverse_sql=f'DROP INDEX "{NAME}"',
        ),
    ]
