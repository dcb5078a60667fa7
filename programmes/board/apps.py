from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "programmes.board"
    label = "board"
    verbose_name = "Board dashboards"

    def ready(self) -> None:
        # Start-up order: the module imports models, so it is imported here.
        from programmes.board import opendata_files

        opendata_files.receivers_connect()
