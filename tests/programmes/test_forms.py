"""Shared form pieces: money in pounds, numeric inputs styled as GOV.UK inputs."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template

from programmes.forms import PoundsField, gds_helper, service_errors


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
    assert "Enter the amount in pounds, like 30000, £30,000 or £30k" in html


def test_an_amount_in_thousands_or_millions_is_taken_as_people_write_it():
    field = PoundsField(label="Savings target")
    assert field.clean("£ 30k") == Decimal("30000")
    assert field.clean("1.5m") == Decimal("1500000")
    assert field.clean("£2 million") == Decimal("2000000")


def test_an_amount_that_is_not_one_names_what_to_enter():
    with pytest.raises(ValidationError) as error:
        PoundsField(label="Savings target").clean("lots")
    assert error.value.messages == [
        "Enter the savings target in pounds, like 30000, £30,000 or £30k"
    ]


class TwoQuestionsForm(forms.Form):
    # Declared in one order, laid out on the page in the other.
    later = forms.CharField(label="Asked second", error_messages={"required": "Second error"})
    sooner = forms.CharField(label="Asked first", error_messages={"required": "First error"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("sooner", "later")


def test_the_error_summary_lists_errors_in_the_pages_order():
    form = TwoQuestionsForm({})
    html = render(form)
    summary = Template("{% load crispy_forms_gds %}{% error_summary form %}").render(
        Context({"form": form})
    )
    summary = summary.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert summary.index("First error") < summary.index("Second error")
    assert html.index('id="id_sooner"') < html.index('id="id_later"')


def test_a_claims_dates_and_adviser_days_take_dates_as_people_type_them():
    """One date field (programmes.forms.date_field) for both forms: the same
    formats, each with its own example in the hint and the message."""
    from datetime import date

    from programmes.growth.forms import AdviserDaysForm
    from programmes.payments.forms import ClaimForm

    for field, example in (
        (AdviserDaysForm().fields["worked_on"], "27/09/2013"),
        (ClaimForm().fields["period_to"], "31/03/2014"),
    ):
        for typed in ("3/10/2013", "03 10 2013", "2013-10-03"):
            assert field.clean(typed) == date(2013, 10, 3)
        with pytest.raises(ValidationError) as refused:
            field.clean("31/02/2014")
        assert refused.value.messages == [f"Enter the date as day/month/year, like {example}"]
        assert example in str(field.help_text)
        assert 'autocomplete="off"' in field.widget.render("on", None)


class ReasonForm(forms.Form):
    due_reason = forms.CharField(required=False)
    note = forms.CharField(required=False)


@pytest.mark.parametrize(
    ("refusal", "fields", "expected"),
    [
        # A message by a field the form has goes beside it.
        (ValidationError({"note": "Say why"}), None, {"note": ["Say why"]}),
        # By a field the form lacks: at the top, not lost (nor a 500).
        (ValidationError({"amount": "Too much"}), None, {"__all__": ["Too much"]}),
        # No field at all: at the top.
        (ValidationError("Decided meanwhile"), None, {"__all__": ["Decided meanwhile"]}),
        # The service's name for a field renamed to the form's.
        (
            ValidationError({"reason": "Say why"}),
            {"reason": "due_reason"},
            {"due_reason": ["Say why"]},
        ),
    ],
)
def test_a_services_refusal_lands_on_the_form_by_its_field(refusal, fields, expected):
    form = ReasonForm({})
    assert form.is_valid()
    service_errors(form, refusal, fields=fields)
    assert form.errors == expected
