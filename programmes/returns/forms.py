"""The council's savings return form: GOV.UK style, validated on the server."""

from __future__ import annotations

from uuid import uuid4

from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from programmes import documents
from programmes.forms import (
    LONG_ANSWER_CHARS,
    SHORT_ANSWER_CHARS,
    CountedCharField,
    PoundsField,
    counted_textarea,
    gds_helper,
    too_long,
)
from savings.models import Recurrence, SavingsKind
from savings.services import DEFAULT_LINE_LIMIT
from savings.years import validate_financial_year

EXPIRED = "This form has expired. Open the form again to send your return"


class SavingsReturnForm(forms.Form):
    financial_year = forms.CharField(
        label="Which financial year were the savings made in?",
        help_text="For example, 2013/14",
        max_length=7,
        error_messages={
            "required": "Enter the financial year the savings were made in",
            "max_length": "Enter the financial year like 2013/14",
        },
        validators=[validate_financial_year],
    )
    amount = PoundsField(
        label="How much was saved, in pounds?",
        help_text="The realised saving in the year, for example 250000",
        error_messages={
            "required": "Enter how much was saved",
            "invalid": "Enter the amount saved as a number of pounds, like 250000",
            "min_value": "The amount saved must be £0 or more",
            "max_digits": "The amount saved must be less than £1,000,000,000,000",
            "max_decimal_places": "Enter the amount saved to the nearest penny",
        },
        max_value=DEFAULT_LINE_LIMIT,
    )
    recurrence = forms.ChoiceField(
        label="Is this saving one-off or recurring?",
        choices=Recurrence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the saving is one-off or recurring"},
    )
    evidence = CountedCharField(
        label="What is the evidence for this saving?",
        help_text="Say how the saving was measured and where officers can check it",
        widget=forms.Textarea,
        max_length=LONG_ANSWER_CHARS,
        error_messages={
            "required": "Describe the evidence for this saving",
            "max_length": too_long("The evidence", LONG_ANSWER_CHARS),
        },
    )
    # A one-time token per form shown: sending it twice makes one return.
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    document = forms.FileField(
        label="Upload a supporting document (optional)",
        help_text="A PDF, DOCX, XLSX, ODT or CSV file, up to 10 MB",
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid4
        self.helper = gds_helper(
            Field.text("financial_year", field_width=5),
            Field.text("amount", field_width=10),
            Field.radios("recurrence", legend_size=Size.SMALL),
            counted_textarea(self, "evidence", rows=6),
            "document",
            "submission",
            submit="Send for verification",
        )

    def clean(self):
        cleaned = super().clean()
        # Said as a form error: the error summary cannot link to a hidden field.
        if self.errors.pop("submission", None) or not cleaned.get("submission"):
            raise forms.ValidationError(EXPIRED, code="expired")
        return cleaned

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if not document:
            return None
        # The same allow-list and content check as bids' supporting documents.
        documents.document_check(document)
        return document


# What a line of a return may be: savings made, or savings expected.
LINE_KINDS = [
    (SavingsKind.REALISED.value, "Realised: savings the council has made"),
    (SavingsKind.PROJECTED.value, "Projected: savings the council expects to make"),
]


# GOV.UK: radios for a few options, a select when there are many.
RADIOS_AT_MOST = 6


def year_choice(years: list[str]) -> forms.ChoiceField:
    """The financial year of a line, one of the years its award reports on; a
    year outside them (a tampered form) is refused with the years it may be."""
    span = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    many = len(years) > RADIOS_AT_MOST
    return forms.ChoiceField(
        label="Which financial year are the savings for?",
        help_text=f"This award reports on {span}",
        choices=([("", "Choose a year")] if many else []) + [(year, year) for year in years],
        widget=forms.Select if many else forms.RadioSelect,
        error_messages={
            "required": "Select the financial year the savings are for",
            "invalid_choice": f"Select a financial year this award reports on: {span}",
        },
    )


class ReturnLineForm(SavingsReturnForm):
    """One line of a periodic return: the one-line form, with its kind, and
    the call's limit on one line's amount."""

    kind = forms.ChoiceField(
        label="Are these savings realised or projected?",
        choices=LINE_KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the savings are realised or projected"},
    )

    def __init__(
        self,
        *args,
        limit=DEFAULT_LINE_LIMIT,
        years: list[str] | None = None,
        submit: str = "Save and continue",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"] = PoundsField(
            label="How much, in pounds?",
            help_text=f"For example 120,000 or 120000.50; at most £{limit:,.2f} on one line",
            error_messages={
                "required": "Enter how much was saved",
                "invalid": "Enter the amount as a number of pounds, like 120000.50",
                "min_value": "The amount must be £0 or more",
                "max_digits": f"Enter an amount of £{limit:,.2f} or less",
                "max_decimal_places": "Enter the amount to the nearest penny",
            },
            max_value=limit,
        )
        if years:
            # Chosen, not typed: the years the award reports on, nothing else.
            self.fields["financial_year"] = year_choice(years)
            year_layout = (
                Field.radios("financial_year", legend_size=Size.SMALL)
                if len(years) <= RADIOS_AT_MOST
                else Field.select("financial_year")
            )
        else:
            self.fields["financial_year"].label = "Which financial year are the savings for?"
            year_layout = Field.text("financial_year", field_width=5)
        self.helper = gds_helper(
            Field.radios("kind", legend_size=Size.SMALL),
            year_layout,
            Field.text("amount", field_width=10),
            Field.radios("recurrence", legend_size=Size.SMALL),
            counted_textarea(self, "evidence", rows=6),
            "document",
            "submission",
            submit=submit,
        )


class ReturnDeclarationForm(forms.Form):
    declaration_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={
            "required": "Enter your full name",
            "max_length": too_long("Your name", 200),
        },
    )
    confirmed = forms.BooleanField(
        label=(
            "I confirm that the savings in this return are correct to the best of my "
            "knowledge and that the evidence supports them"
        ),
        error_messages={
            "required": "Confirm that the return is correct to the best of your knowledge"
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("declaration_name", field_width=20),
            Field.checkbox("confirmed"),
            submit="Send the return",
        )


# The certificate names the role: in English local government a council's
# financial returns are signed off by its chief finance officer, the
# "section 151 officer" (Local Government Act 1972, s.151), or a deputy.
CERTIFICATE = (
    "I certify as the council's chief finance officer (section 151 officer), or their "
    "deputy, that I have checked the savings in this return and that, to the best of my "
    "knowledge, they are correct and the evidence supports them"
)
NOT_CERTIFIED = "Confirm that you certify the return as your council's chief finance officer"


class ReturnCertifyForm(forms.Form):
    confirmed = forms.BooleanField(label=CERTIFICATE, error_messages={"required": NOT_CERTIFIED})

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "certify")
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.checkbox("confirmed"))
        # Its own id: the page has a second form, whose button would share
        # crispy's default `id_submit` (ids must be unique on a page).
        self.helper.layout[-1] = Button(
            "submit", "Certify and send to the LGA", css_id="certify-submit"
        )


class ReturnNotCertifiedForm(forms.Form):
    reason = CountedCharField(
        label="Why are you sending the return back?",
        help_text="The person who prepared the return sees this, to correct it",
        widget=forms.Textarea,
        max_length=SHORT_ANSWER_CHARS,
        error_messages={
            "required": (
                "Say why you are sending the return back: the person who prepared it sees this"
            ),
            "max_length": too_long("The reason", SHORT_ANSWER_CHARS),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "send_back")
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(counted_textarea(self, "reason", rows=4))
        # Not the page's main action: the certificate is.
        self.helper.layout[-1] = Button.secondary(
            "submit", "Send back to the preparer", css_id="send-back-submit"
        )
