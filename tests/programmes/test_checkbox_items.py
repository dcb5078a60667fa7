"""The checkboxes written in Python (programmes/templatetags/gds_choices.py)
give the markup crispy-forms-gds's own template gives: what is ticked, hints,
dividers and escaping, for plain and model choices."""

from __future__ import annotations

import re
from pathlib import Path

import crispy_forms_gds
import pytest
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string

from programmes.models import Council
from tests.factories import CouncilFactory

LIBRARY_TEMPLATE = (
    Path(crispy_forms_gds.__file__).parent / "templates" / "gds" / "layout" / "checkboxes.html"
)


def library_render(field) -> str:
    """The library's own template, read from its file (the project overrides
    the name), rendered with the context crispy-forms-gds gives it."""
    return Template(LIBRARY_TEMPLATE.read_text()).render(
        Context({"field": field, "checkboxes_small": True})
    )


def normalised(html: str) -> str:
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    # Whitespace beside a tag (the library's template indents each part).
    html = re.sub(r"\s*>\s*", ">", re.sub(r"\s*<", "<", html))
    return re.sub(r"\s+", " ", html).strip()


class Pets(forms.Form):
    pets = forms.MultipleChoiceField(
        choices=[
            Choice("cat", "Cat & <b>kitten</b>", hint="Says <meow>"),
            Choice("dog", "Dog", divider="or"),
            Choice("none", "None of these"),
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.checkboxes("pets", small=True))


@pytest.mark.parametrize("data", [None, {"pets": ["cat", "none"]}, {"pets": []}])
def test_plain_choices_read_as_the_library_writes_them(data):
    form = Pets(data=data)
    form.is_valid()
    ours = render_to_string(
        "gds/layout/checkboxes.html", {"field": form["pets"], "checkboxes_small": True}
    )
    assert normalised(ours) == normalised(library_render(form["pets"]))
    assert "Cat &amp; &lt;b&gt;kitten&lt;/b&gt;" in ours
    assert "Says &lt;meow&gt;" in ours
    assert ('value="cat" checked="checked"' in ours) == bool(data and "cat" in data["pets"])


class Partners(forms.Form):
    councils = forms.ModelMultipleChoiceField(
        queryset=Council.objects.order_by("name"), widget=forms.CheckboxSelectMultiple
    )


@pytest.mark.django_db
def test_model_choices_tick_the_councils_already_chosen():
    chosen, other = CouncilFactory(name="Alpha & Co"), CouncilFactory(name="Beta")
    form = Partners(initial={"councils": [chosen]})
    ours = render_to_string("gds/layout/checkboxes.html", {"field": form["councils"]})
    assert normalised(ours) == normalised(
        Template(LIBRARY_TEMPLATE.read_text()).render(Context({"field": form["councils"]}))
    )
    assert f'value="{chosen.pk}" checked="checked"' in ours
    assert f'value="{other.pk}">' in ours
    assert "Alpha &amp; Co" in ours
