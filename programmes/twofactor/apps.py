from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "programmes.twofactor"
    label = "twofactor"
    verbose_name = "Two-factor sign-in"
