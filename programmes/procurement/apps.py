from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "programmes.procurement"
    label = "procurement"
    verbose_name = "National Procurement Strategy"
