"""Form building blocks shared by every app: GOV.UK-styled, validation on the server.

Decisions (see docs/forms.md):
- Browser validation is off (`novalidate`, no `required` attribute) so that
  every error reaches the GOV.UK error summary instead of a browser bubble.
- Numbers and money render as text inputs with `inputmode`, never
  `type=number` (GOV.UK Design System guidance; crispy-forms-gds would
  otherwise render unstyled number inputs).
- Money is parsed to Decimal pounds; "£1,250.50" and "1250.5" are both fine.
- Every text field has a length limit in the form (docs/bids.md, "Answer
  lengths"): a character field its column's `max_length`, a free-text answer
  one of the limits below, so an over-long answer is an error on the page, not
  a database error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.db import models
from django.http import HttpRequest, QueryDict

from programmes.signin import lockout_message
from programmes.validators import validate_one_line

# Free-text answers (TextFields, unbounded in the database).
LONG_ANSWER_CHARS = 5000  # a question answered in paragraphs
SHORT_ANSWER_CHARS = 1000  # a summary, a list, a note


def posted(request: HttpRequest) -> QueryDict | None:
    """The form's data on a POST, even an empty one (`request.POST or None`
    would show an empty submission, a bare confirmation, as a fresh form)."""
    return request.POST if request.method == "POST" else None


def max_length_of(model: type[models.Model], name: str) -> int:
    """A text column's limit, for a form field or message that must match it."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length, f"{name} has no limit"
    return field.max_length


def too_long(subject: str, limit: int) -> str:
    """The GOV.UK error message for an answer over its limit."""
    return f"{subject} must be {limit:,} characters or fewer"


def limited_text(
    *,
    label: str,
    max_length: int,
    subject: str | None = None,
    help_text: str = "",
    rows: int = 5,
    required: bool = False,
    error_messages: dict | None = None,
) -> forms.CharField:
    """A textarea answer with its limit; `subject` names it in the error message
    when the label is a question ("Why…?") rather than a name."""
    messages = {"max_length": too_long(subject or label, max_length), **(error_messages or {})}
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=messages,
    )


def counted_textarea(form: forms.BaseForm, name: str, **kwargs) -> Field:
    """A textarea with the GOV.UK character count, at the field's own limit.

    The count needs help text on the field (crispy-forms-gds raises KeyError
    'aria-describedby' without it; docs/frontend.md). govuk-frontend's
    initAll in base.html starts it; without JavaScript the textarea's
    maxlength still holds."""
    field = form.fields[name]
    assert isinstance(field, forms.CharField), f"{name} is not a text field"
    return Field.textarea(name, max_characters=field.max_length, **kwargs)


def numeric_input(attrs: dict | None = None, *, decimal: bool = False) -> forms.TextInput:
    """A text input that brings up the numeric keypad on phones.

    A plain TextInput, not a subclass: crispy-forms-gds picks a widget's CSS
    classes, and its red error border, by the widget's class name ("TextInput"
    gets `govuk-input` and `govuk-input--error`; docs/frontend.md)."""
    base = {"inputmode": "decimal" if decimal else "numeric", "spellcheck": "false"}
    return forms.TextInput({**base, **(attrs or {})})


# Money as people write it: "120000", "120000.50", "£120,000", "120,000.5".
# Commas only between groups of three digits; no signs, exponents or spaces.
POUNDS_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$", re.ASCII)
NOT_MONEY = {
    "exponent": "Enter the amount in figures, like 120000, not as a power of ten",
    "commas": "Use commas only between thousands, like 120,000",
    "pence": "Enter the amount to the nearest penny, like 120000.50",
}


class PoundsField(forms.DecimalField):
    """An amount of money in pounds, as Decimal: accepts "£" and thousands
    commas; refuses exponents ("1e6"), lists ("1,2,3") and fractions of a
    penny, each with its own message (the field's "invalid" one otherwise).
    Pass `max_value` for a limit; its message names the limit in pounds."""

    default_error_messages = {
        "max_value": "Enter an amount of £%(limit_value)s or less",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)
        self.widget = numeric_input(decimal=True)
        self.widget.attrs.setdefault("class", "govuk-input--width-10")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£").strip()
            if value and not value.startswith("-") and not POUNDS_RE.match(value):
                raise forms.ValidationError(self._not_money(value), code="invalid")
            value = value.replace(",", "")
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise
        except InvalidOperation:  # pragma: no cover - DecimalField raises ValidationError
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def _not_money(self, value: str) -> str:
        if "e" in value.lower() and any(char.isdigit() for char in value):
            return NOT_MONEY["exponent"]
        if "," in value and re.fullmatch(r"[\d,]+(?:\.\d+)?", value):
            return NOT_MONEY["commas"]
        if re.fullmatch(r"\d[\d,]*\.\d{3,}", value):
            return str(self.error_messages.get("max_decimal_places", NOT_MONEY["pence"]))
        return str(self.error_messages["invalid"])

    def run_validators(self, value) -> None:
        try:
            super().run_validators(value)
        except forms.ValidationError as error:
            # The limit in pounds as people read it: "£100,000,000.00", not 100000000.
            if self.max_value is not None and any(e.code == "max_value" for e in error.error_list):
                raise forms.ValidationError(
                    self.error_messages["max_value"] % {"limit_value": f"{self.max_value:,.2f}"},
                    code="max_value",
                ) from None
            raise


def gds_helper(*fields, submit: str = "Continue") -> FormHelper:
    """A FormHelper with the portal's defaults: no form tag, labels at size S."""
    helper = FormHelper()
    helper.form_tag = False
    helper.label_size = Size.SMALL
    helper.legend_size = Size.SMALL
    if fields:
        helper.layout = Layout(*fields, Button("submit", submit))
    return helper


class LockoutMixin:
    """Says when to try again, instead of "wrong details", once django-axes
    has locked this username or address out (it refuses even the right
    password then)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                credentials = {"username": self.cleaned_data.get("username")}
                raise forms.ValidationError(
                    lockout_message(self.request, credentials), code="locked_out"
                ) from None
            raise


class AdminSignInForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's own sign-in page, throttled like ours."""


class SignInForm(LockoutMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "Enter a correct username and password. Both are case-sensitive: "
            "check that Caps Lock is off"
        ),
        "inactive": (
            "This account has been deactivated. Ask your council's lead or the "
            "Productivity Programme team at the LGA to switch it back on"
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "autofocus": False}
        )
        self.helper = gds_helper(
            Field.text("username", field_width=20),
            Field.text("password", field_width=20),
            submit="Sign in",
        )

    def get_invalid_login_error(self) -> forms.ValidationError:
        """Django refuses a deactivated account like a wrong password; say it
        is switched off instead, but only to someone who gave its password."""
        from programmes.models import User

        if getattr(self.request, "axes_locked_out", False):
            # Locked out: no password is checked at all (LockoutMixin says when).
            return super().get_invalid_login_error()
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        user = User.objects.filter(username=username, is_active=False).first()
        if user is not None and password and user.check_password(password):
            return forms.ValidationError(self.error_messages["inactive"], code="inactive")
        return super().get_invalid_login_error()


class PasswordResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Email address"
        email.help_text = "The address your Productivity Programme account uses"
        email.error_messages["required"] = "Enter your email address"
        email.error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.com"
        )
        email.widget.attrs.update({"spellcheck": "false"})
        self.helper = gds_helper(Field.text("email"), submit="Send the link")


class NewPasswordForm(SetPasswordForm):
    """Set a new password from a reset link."""

    submit = "Save the new password"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. Not a common password, not all numbers, "
            "and not like your name or email address"
        )
        self.fields["new_password2"].label = "Confirm the new password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Confirm the new password"
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The two passwords do not match",
        }
        fields = [Field.text(name, field_width=20) for name in self._password_fields()]
        self.helper = gds_helper(*fields, submit=self.submit)

    def _password_fields(self) -> list[str]:
        return ["new_password1", "new_password2"]


class ChangePasswordForm(NewPasswordForm, PasswordChangeForm):
    """Change a password while signed in: the current one first."""

    submit = "Change the password"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Your current password is not right. Enter it again",
        }

    def _password_fields(self) -> list[str]:
        return ["old_password", "new_password1", "new_password2"]


class InvitationAcceptForm(NewPasswordForm):
    """Set the password of an account made from an invitation. The account
    does not exist yet: the validators compare the password with the
    invitation's name and email, as they will be on the account."""

    submit = "Create your account"

    def __init__(self, invitation, *args, **kwargs) -> None:
        from programmes.models import User

        future = User(
            username=invitation.email,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        super().__init__(future, *args, **kwargs)
        self.fields["new_password1"].label = "Password"
        self.fields["new_password1"].error_messages["required"] = "Enter a password"
        self.fields["new_password2"].label = "Confirm the password"
        self.fields["new_password2"].error_messages["required"] = "Confirm the password"

    def save(self, commit: bool = True):
        raise NotImplementedError("programmes.accounts.invitation_accept makes the account")


class TeamInviteForm(forms.Form):
    """A council's lead invites a colleague to their own council."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        error_messages={
            "required": "Enter their first name",
            "max_length": "First name must be 150 characters or fewer",
        },
        validators=[validate_one_line],
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        error_messages={
            "required": "Enter their last name",
            "max_length": "Last name must be 150 characters or fewer",
        },
        validators=[validate_one_line],
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Their work email address. It will be their username",
        max_length=150,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 150 characters or fewer",
        },
        widget=forms.EmailInput({"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, actor, council, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.council = council
        self.helper = gds_helper(
            Field.text("first_name", field_width=20),
            Field.text("last_name", field_width=20),
            Field.text("email", field_width=30),
            submit="Send the invitation",
        )

    def clean(self):
        from programmes.accounts import invitation_check
        from programmes.roles import APPLICANT

        cleaned = super().clean()
        if cleaned.get("email"):
            try:
                cleaned["email"] = invitation_check(
                    actor=self.actor, email=cleaned["email"], role=APPLICANT, council=self.council
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ConfirmForm(forms.Form):
    """A confirmation step with nothing to fill in but the button."""

    def __init__(self, *args, submit: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit=submit)
        self.helper.layout = Layout(Button("submit", submit, css_class="govuk-button--warning"))
