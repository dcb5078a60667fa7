from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "programmes.board"
    label = "board"
    verbose_name = "Board dashboards"
