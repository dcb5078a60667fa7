from django.apps import AppConfig, apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    # Permissions are created app by app in post_migrate, so the groups are
    # granted once, after the last app's turn, rather than in a data migration
    # (which on a fresh database would run before any permission exists).
    # Django sends post_migrate only to apps that have a models module.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    # Start-up order: an AppConfig module is imported before the models are
    # ready, so what uses them is imported when the signal runs.
    from programmes.roles import groups_sync
    from programmes.services import strands_sync

    groups_sync()
    # A Strand row for every installed strand (programmes/strands.py), so a
    # new strand's pages work after `migrate`, demo data or not.
    strands_sync()


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programme: councils, strands and people"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="programmes.sync_roles")
        # Session limits start at sign-in (programmes.middleware). Start-up
        # order: imported once the app registry is ready.
        from programmes.middleware import session_stamp

        user_logged_in.connect(session_stamp, dispatch_uid="programmes.session_stamp")

        # Start-up order: these modules register themselves (system checks;
        # the one-time link makers of invitation and reset emails), and need
        # the app registry ready.
        # The data versions kept for a request (programmes.versions): connected
        # here so that the first request already keeps them.
        from programmes import accounts, audit, checks, versions  # noqa: F401

        versions.connect()

        audit.register()
