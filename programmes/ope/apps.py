from django.apps import AppConfig


class OpeConfig(AppConfig):
    name = "programmes.ope"
    label = "ope"
    verbose_name = "One Public Estate"
