from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "programmes.returns"
    label = "returns"
    verbose_name = "Savings returns"

    def ready(self) -> None:
        # Start-up order: plugging into the bids layer's extension points
        # (applications.extensions) needs the app registry ready.
        from programmes.returns import extensions

        extensions.register()
