from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Calls, bids and assessment"

    def ready(self) -> None:
        # Start-up order: the checks import forms and models, so they are
        # imported once the app registry is ready; they register themselves.
        from applications import checks  # noqa: F401
