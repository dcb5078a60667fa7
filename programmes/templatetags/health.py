from django import template

from programmes.health import Health, health_check

register = template.Library()


@register.simple_tag
def portal_health() -> Health:
    """The /healthz checks, for the admin home."""
    return health_check()
