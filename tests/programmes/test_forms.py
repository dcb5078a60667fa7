"""Shared form pieces: money in pounds, numeric inputs styled as GOV.UK inputs."""

from decimal import Decimal

from django import forms
from django.template import Context, Template

from programmes.forms import PoundsField, gds_helper


class AmountForm(forms.Form):
    amount = PoundsField(label="Amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("amount")


def render(form: forms.Form) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def test_pounds_accept_a_pound_sign_and_commas():
    form = AmountForm({"amount": "£1,250.50"})
    assert form.is_valid()
    assert form.cleaned_data["amount"] == Decimal("1250.50")


def test_an_amount_renders_as_a_text_input_with_the_numeric_keypad():
    html = render(AmountForm())
    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert "govuk-input" in html
    assert 'type="number"' not in html


def test_an_amount_with_an_error_gets_the_error_border():
    html = render(AmountForm({"amount": "lots"}))
    assert "govuk-input--error" in html
    assert "Enter a number" in html
