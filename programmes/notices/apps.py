from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "programmes.notices"
    label = "notices"
    verbose_name = "Email notices"
