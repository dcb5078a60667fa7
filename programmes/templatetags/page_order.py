"""The error summary lists errors in the order the page shows the fields."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def fields_in_page_order(form: forms.BaseForm) -> list[BoundField]:
    """The form's visible fields in its layout's order (the page's), then any
    the layout leaves out: a form whose layout puts a field first that it
    declares later had an error summary in another order than the page's
    (GOV.UK: the summary follows the page; issue 27)."""
    visible = {field.name: field for field in form.visible_fields()}
    helper = getattr(form, "helper", None)
    layout = getattr(helper, "layout", None)
    names = [pointer.name for pointer in layout.get_field_names()] if layout else []
    ordered = [visible.pop(name) for name in names if name in visible]
    return ordered + list(visible.values())
