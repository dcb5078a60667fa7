"""GOV.UK-styled forms for the second factor. They validate only; the views
ask the services whether a code is right."""

from __future__ import annotations

from crispy_forms_gds.layout import Field
from django import forms

from programmes.forms import gds_helper, numeric_input


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text=(
            "The 6-digit code your authenticator app shows now, or one of your backup codes"
        ),
        max_length=20,
        error_messages={"required": "Enter the security code"},
        widget=forms.TextInput(
            {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, submit: str = "Continue", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.text("code", field_width=10), submit=submit)

    def wrong_code(self) -> None:
        self.add_error(
            "code",
            "The security code is not right. Enter the code your app shows now, "
            "or a backup code you have not used",
        )


class SetUpForm(CodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, submit="Turn on two-factor sign-in", **kwargs)
        field = self.fields["code"]
        field.help_text = "The 6-digit code your authenticator app shows after adding the account"
        field.widget = numeric_input(
            {"autocomplete": "one-time-code", "class": "govuk-input--width-10"}
        )


class ResetForm(forms.Form):
    username = forms.CharField(
        label="Username of the person who lost their device",
        max_length=150,
        error_messages={"required": "Enter the username"},
        widget=forms.TextInput({"spellcheck": "false", "autocapitalize": "off"}),
    )

    reason = forms.CharField(
        label="Why are you resetting it?",
        help_text="For example: lost phone, confirmed by phone call on 7 December. "
        "The person is emailed this reason, and it is kept in the audit trail.",
        max_length=500,
        error_messages={"required": "Say why their two-factor sign-in is being reset"},
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("username", field_width=20),
            Field.textarea("reason"),
            submit="Reset their two-factor sign-in",
        )
