"""UK financial years, written as `2013/14`: 1 April 2013 to 31 March 2014."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError

FINANCIAL_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")
FINANCIAL_YEAR_REGEX = r"^[0-9]{4}/[0-9]{2}$"


def validate_financial_year(value: str) -> None:
    match = FINANCIAL_YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(
            "Enter a financial year as the year it starts and the next, like 2013/14",
            code="invalid_financial_year",
        )


def financial_year_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def financial_year_start(label: str) -> date:
    validate_financial_year(label)
    return date(int(label[:4]), 4, 1)


def next_financial_year(label: str, step: int = 1) -> str:
    return financial_year_of(date(financial_year_start(label).year + step, 4, 1))
