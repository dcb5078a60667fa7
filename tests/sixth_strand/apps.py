from django.apps import AppConfig


class KeepItRealConfig(AppConfig):
    name = "tests.sixth_strand"
    label = "keep_it_real"
    verbose_name = "Keep it REAL"
