from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "programmes.growth"
    label = "growth"
    verbose_name = "Local Economic Growth Advisers"
