from django.apps import AppConfig


class AsceConfig(AppConfig):
    name = "programmes.asce"
    label = "asce"
    verbose_name = "Adult Social Care Efficiency"

    def ready(self) -> None:
        # The rollup worker recomputes ASCE statistics with the strand's
        # rollups; registering here keeps `savings` free of strand imports.
        from programmes.asce.services import asce_statistics_recompute
        from savings.rollups import statistics_register

        statistics_register("asce", asce_statistics_recompute)
