from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "programmes.public"
    label = "public"
    verbose_name = "Productivity and commissioning page"
