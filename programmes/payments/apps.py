from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "programmes.payments"
    label = "payments"
    verbose_name = "Money out"

    def ready(self) -> None:
        # Start-up order: plugging into the bids layer's extension points
        # (applications.extensions) needs the app registry ready.
        from programmes.payments import extensions, rollups
        from savings.rollups import scope_recompute_register

        extensions.register()
        # Committed, claimed and paid ride on the savings drain (docs/money.md).
        scope_recompute_register(rollups.money_recompute)
