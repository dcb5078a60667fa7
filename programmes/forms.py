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
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

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
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from programmes import accounts
from programmes.accounts import invitation_check
from programmes.models import User
from programmes.notices.services import TOKEN_PLACEHOLDER
from programmes.roles import APPLICANT
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


# Code points that never start a character of their own: they join the one
# before (Unicode's grapheme cluster rules, UAX #29, the part written text
# meets): joiners, variation selectors, emoji skin tones and flag tags.
ZERO_WIDTH_JOINER = "\u200d"
JOINS_PREVIOUS = re.compile(
    "[\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
REGIONAL_INDICATOR = re.compile("[\U0001f1e6-\U0001f1ff]")
# A virama between two consonants makes one conjunct (UAX #29 rule GB9c, in
# the scripts Unicode lists: Devanagari, Bengali, Gujarati, Oriya, Telugu,
# Malayalam): "स्ते" is one character as people read it.
VIRAMA = frozenset("\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d")
CONJUNCT_CONSONANT = re.compile(
    "[\u0915-\u0939\u0995-\u09b9\u0a95-\u0ab9\u0b15-\u0b39\u0c15-\u0c39\u0d15-\u0d3a]"
)


def character_count(text: str) -> int:
    """Characters as a person counts them, and as the page's counter does
    (GOV.UK's character count with `countType: "characters"`, which counts
    Intl.Segmenter's graphemes): "é" typed as e and an accent is one, 👍🏽 and
    a family emoji joined with zero-width joiners are one, a flag (two
    regional indicators) is one, a line break is one.

    A browser sends a line break as CR LF, and a textarea's value (what the
    counter counts) holds LF: `CountedCharField` turns CR LF into LF before
    counting, and CR LF is one grapheme here anyway."""
    count = 0
    previous = ""
    flag_half = False  # the previous code point opened a flag
    for char in text:
        if previous in ("", "\n") or (previous == "\r" and char != "\n"):
            joins = False  # nothing joins a line break, or the start
        else:
            joins = (
                previous == "\r"  # CR LF, one line break
                or previous == ZERO_WIDTH_JOINER
                or (previous in VIRAMA and bool(CONJUNCT_CONSONANT.match(char)))
                or bool(JOINS_PREVIOUS.match(char))
                or unicodedata.category(char) in ("Mn", "Me", "Mc")
            )
        if REGIONAL_INDICATOR.match(char):
            joins = flag_half
            flag_half = not flag_half
        else:
            flag_half = False
        if not joins:
            count += 1
        previous = char
    return count


class CharacterLimitValidator(MaxLengthValidator):
    """The field's limit in characters as `character_count` counts them."""

    def clean(self, x: Any) -> int:
        return character_count(x)


class CountedCharField(forms.CharField):
    """A free-text answer shown with the character count: line breaks as LF
    (one character, as the counter counts them) and the limit counted as a
    person counts, so the page and the server never disagree (issue 27)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [
            CharacterLimitValidator(v.limit_value) if type(v) is MaxLengthValidator else v
            for v in self.validators
        ]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


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
    return CountedCharField(
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
    maxlength still holds. The field is a `CountedCharField` (`limited_text`),
    which counts as the counter does."""
    field = form.fields[name]
    assert isinstance(field, CountedCharField), f"{name} is not a counted text field"
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
# Dates as people type them: day/month/year, with spaces for the slashes, or ISO.
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"]


def date_reason_field(example: str) -> forms.CharField:
    """ "Why is the date earlier than today?": the reason an officer gives
    with an effective date in the past (docs/savings.md, "Effective dates"),
    which the audit trail keeps with the change."""
    return forms.CharField(
        label="Why is the date earlier than today? (if it is)",
        help_text=f"For example: {example}",
        required=False,
        max_length=500,
    )


def earlier_date_check(form: forms.BaseForm, field: str, on: Any) -> bool:
    """Refuse an effective date (`field`'s value `on`) still to come, and an
    earlier one without its reason (the form's `date_reason`). True when
    the date stands."""
    today = timezone.localdate()
    if on > today:
        form.add_error(field, "The date must be today or in the past")
    elif on < today and not form.cleaned_data.get("date_reason", "").strip():
        form.add_error("date_reason", "Say why the date is earlier than today")
    else:
        return True
    return False


def date_field(
    label: str, required: str, *, example: str = "31/03/2014", help_text: str = ""
) -> forms.DateField:
    """A date typed into one plain text input (styled by crispy-forms-gds like
    every other one), for forms that ask for a single known date (a claim's
    spending period, adviser days): `required` is the message for an empty
    field, `example` the date the hint and the format message show."""
    return forms.DateField(
        label=label,
        help_text=help_text or f"Day/month/year, for example {example}",
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": required,
            "invalid": f"Enter the date as day/month/year, like {example}",
        },
    )


POUNDS_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$", re.ASCII)
NOT_MONEY = {
    "exponent": "Enter the amount in figures, like 120000, not as a power of ten",
    "commas": "Use commas only between thousands, like 120,000",
    "pence": "Enter the amount to the nearest penny, like 120000.50",
}


# "30k", "£1.5m", "2 million": amounts as people write them, in full.
MULTIPLIED_RE = re.compile(
    r"^(?P<figure>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?\s*(?P<unit>k|m|thousand|million)$",
    re.ASCII | re.IGNORECASE,
)
MULTIPLIERS = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def _without_multiplier(value: str) -> str:
    """ "30k" as "30000", "1.5m" as "1500000"; anything else as it is."""
    match = MULTIPLIED_RE.match(value)
    if not match:
        return value
    number = Decimal(match["figure"].replace(",", "") + (match["fraction"] or ""))
    return format(number * MULTIPLIERS[match["unit"].lower()], "f")


class PoundsField(forms.DecimalField):
    """An amount of money in pounds, as Decimal: accepts "£" and thousands
    commas; refuses exponents ("1e6"), lists ("1,2,3") and fractions of a
    penny, each with its own message (the field's "invalid" one otherwise).
    Pass `max_value` for a limit; its message names the limit in pounds."""

    default_error_messages = {
        "max_value": "Enter an amount of £%(limit_value)s or less",
    }

    def __init__(self, *, subject: str = "", **kwargs) -> None:
        # "Enter a number." named no field: the message says what to enter
        # ("Enter the savings target in pounds…"), `subject` when the label
        # is a question.
        label = kwargs.get("label") or ""
        if not subject:
            plain = label and not label.endswith("?") and "(" not in label
            subject = f"the {label[0].lower()}{label[1:]}" if plain else "the amount"
        kwargs["error_messages"] = {
            "invalid": f"Enter {subject} in pounds, like 30000, £30,000 or £30k",
            **(kwargs.get("error_messages") or {}),
        }
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
            value = _without_multiplier(value)
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

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Through the notices, like every email: recorded, retried, listed in
        the admin. The body keeps a placeholder where the token goes; the
        token is made when the email is sent."""
        context = {**context, "token": TOKEN_PLACEHOLDER}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        accounts.password_reset_notice(
            user=context["user"], email=to_email, subject=subject, body=body
        )


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
    is_finance_officer = forms.BooleanField(
        label="They are our finance officer: they certify our savings returns",
        help_text=(
            "Your council's chief finance officer (section 151 officer) or a deputy. A call may "
            "ask for each savings return to be certified by them before it reaches the LGA"
        ),
        required=False,
    )

    def __init__(self, *args, actor, council, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.council = council
        self.helper = gds_helper(
            Field.text("first_name", field_width=20),
            Field.text("last_name", field_width=20),
            Field.text("email", field_width=30),
            Field.checkbox("is_finance_officer"),
            submit="Send the invitation",
        )

    def clean(self):
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


def refusals(error: ValidationError) -> dict[str, list[str]]:
    """A service's refusal as its messages by field name, the form's own
    (NON_FIELD_ERRORS) for a refusal that names no field."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {NON_FIELD_ERRORS: error.messages}


def service_errors(
    form: forms.BaseForm, error: ValidationError, *, fields: dict[str, str] | None = None
) -> None:
    """A service's refusal onto the form that called it: each message by its
    field when the form has that field, else in the form's own errors (the
    error summary's top). `fields` renames the service's field names to the
    form's where they differ (e.g. {"reason": "due_reason"})."""
    for field, texts in refusals(error).items():
        name = (fields or {}).get(field, field)
        form.add_error(name if name in form.fields else None, texts)
