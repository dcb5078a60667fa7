"""The council's claim form, and the officers' and finance's forms in the admin."""

from __future__ import annotations

from crispy_forms_gds.layout import Field
from django import forms

from programmes.forms import DATE_FORMATS, PoundsField, date_field, gds_helper, too_long


class ClaimForm(forms.Form):
    amount = PoundsField(
        label="How much are you claiming, in pounds?",
        help_text="What your council spent on the award's work, for example 4000",
        subject="the amount you are claiming",
        error_messages={
            "required": "Enter the amount you are claiming",
            "min_value": "Enter the amount you are claiming greater than £0",
            "max_digits": "Enter the amount you are claiming less than £1,000,000,000,000",
            "max_decimal_places": "Enter the amount you are claiming to the nearest penny",
        },
    )
    period_from = date_field(
        "When did the spending start?",
        "Enter the date the spending started",
        help_text="Day/month/year, for example 1/10/2013",
    )
    period_to = date_field("When did the spending end?", "Enter the date the spending ended")
    invoice_reference = forms.CharField(
        label="Invoice reference",
        help_text="The reference on the invoice or receipt you are claiming for",
        max_length=60,
        error_messages={
            "required": "Enter the invoice reference",
            "max_length": too_long("The invoice reference", 60),
        },
    )
    evidence = forms.FileField(
        label="Upload the invoice or other evidence of the spending",
        help_text="A PDF, DOCX, XLSX, ODT or CSV file, up to 10 MB",
        error_messages={"required": "Upload the invoice or other evidence of the spending"},
    )
    declaration = forms.BooleanField(
        label=(
            "I confirm that this money was spent on the award's work, as the award allows, "
            "and that it has not been claimed from the LGA or anyone else before"
        ),
        error_messages={
            "required": (
                "Confirm that the money was spent on the award's work and is not claimed elsewhere"
            )
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("amount"),
            Field.text("period_from", field_width=10),
            Field.text("period_to", field_width=10),
            Field.text("invoice_reference", field_width=20),
            "evidence",
            Field.checkbox("declaration"),
            submit="Send the claim",
        )


class ClaimDecisionForm(forms.Form):
    """Officers in the admin: approve, or send back with a reason."""

    reason = forms.CharField(
        label="Reason the council sees (needed to send back)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        error_messages={"max_length": too_long("The reason", 1000)},
    )


class PaymentForm(forms.Form):
    """LGA finance in the admin: the payment's date and reference."""

    paid_on = forms.DateField(
        label="Paid on",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date as day/month/year, like 31/03/2014"},
    )
    reference = forms.CharField(label="Payment reference", required=False, max_length=60)


class CommitmentChangeForm(forms.Form):
    """Officers in the admin: reduce or withdraw an award, with a reason."""

    amount = PoundsField(label="New amount (£), to reduce the award", required=False)
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        error_messages={"max_length": too_long("The reason", 1000)},
    )
