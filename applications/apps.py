from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Calls, bids and assessment"

    def ready(self) -> None:
        from applications import checks  # noqa: F401 (checks register themselves)
