"""The board pages' one form: the date the figures are as at (docs/board.md,
"As at a date")."""

from __future__ import annotations

import re
from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from programmes.forms import gds_helper

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
EXAMPLE = "for example 9 7 2013"
# The address's form of a date: 2013-07-09.
ISO_DATE = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})")


class AsAtDateField(DateInputField):
    """The GOV.UK date input (day, month, year) with messages that say what to fix."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter the date to show the figures as at, {EXAMPLE}"
        self.error_messages["incomplete"] = "Enter the day, month and year of the date"
        for field, what in zip(self.fields, ("day", "month", "year"), strict=True):
            field.error_messages["incomplete"] = f"Enter the {what} of the date"
            field.validators[0].message = f"Enter the {what} of the date as a number"

    def clean(self, value):
        # The month as people write it: "July", "jul" and "7" alike.
        if isinstance(value, list | tuple) and len(value) == 3:
            month = str(value[1] or "").strip().lower()[:3]
            if month in MONTHS:
                value = [value[0], str(MONTHS.index(month) + 1), value[2]]
        return super().clean(value)

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError(f"Enter a real date, {EXAMPLE}", code="invalid") from None


class AsAtForm(forms.Form):
    """`as_at_0`, `as_at_1`, `as_at_2`: day, month and year (GET)."""

    as_at = AsAtDateField(
        label="Show the figures as at",
        help_text="For example, 9 7 2013",
        require_all_fields=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field("as_at"), submit="Show the figures")
        # A GET form: no token in the address that is shared.
        self.helper.disable_csrf = True

    def clean_as_at(self) -> date:
        value: date = self.cleaned_data["as_at"]
        if value > timezone.localdate():
            raise ValidationError("The date must be today or in the past", code="future")
        if value.year < 2000:
            raise ValidationError("Enter a date from the year 2000 on", code="too_early")
        return value


def as_at_form(query) -> AsAtForm | None:
    """The form for a request's query string: from its three fields, or from
    `?as_at=2013-07-09` (the address a page is shared by); None if it has neither."""
    if any(f"as_at_{part}" in query for part in range(3)):
        return AsAtForm(query)
    if "as_at" not in query:
        return None
    found = ISO_DATE.fullmatch(str(query.get("as_at", "")).strip())
    # Not a date at all ("yesterday"): as if no part were given, which says what to enter.
    year, month, day = found.groups() if found else ("", "", "")
    return AsAtForm({"as_at_0": day, "as_at_1": month, "as_at_2": year})
