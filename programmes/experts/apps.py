from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "programmes.experts"
    label = "experts"
    verbose_name = "Productivity Experts"
