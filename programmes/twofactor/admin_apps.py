from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminConfig(AdminConfig):
    """Django's admin with our site as `admin.site`, so every app's admin.py
    registers on the site that asks for the second factor (Django's documented
    way of overriding the default admin site). Its own module: an apps.py
    importing AdminConfig would declare two default configs."""

    default_site = "programmes.twofactor.admin_site.TwoFactorAdminSite"
