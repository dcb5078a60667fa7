from django import template

from applications.selectors import QueueCount, work_queues

register = template.Library()


@register.simple_tag(takes_context=True)
def officer_work_queues(context) -> list[QueueCount]:
    """The admin home's work queues for the signed-in officer (one query per model)."""
    return work_queues(user=context["request"].user)
