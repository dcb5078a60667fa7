from django.apps import AppConfig


class AsceConfig(AppConfig):
    name = "programmes.asce"
    label = "asce"
    verbose_name = "Adult Social Care Efficiency"
