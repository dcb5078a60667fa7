"""UK financial years, written as `2013/14`: 1 April 2013 to 31 March 2014."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError

FINANCIAL_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")
FINANCIAL_YEAR_REGEX = r"^[0-9]{4}/[0-9]{2}$"
# The years the portal knows: a year outside them (0000/01, 9999/00) is a
# typing mistake, never a saving.
FIRST_YEAR = 1990
LAST_YEAR = 2098


def validate_financial_year(value: str) -> None:
    match = FINANCIAL_YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(
            "Enter a financial year as the year it starts and the next, like 2013/14",
            code="invalid_financial_year",
        )
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValidationError(
            f"Enter a financial year from {FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} "
            f"to {LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d}",
            code="financial_year_out_of_range",
        )


def financial_year_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def financial_year_start(label: str) -> date:
    validate_financial_year(label)
    return date(int(label[:4]), 4, 1)


def next_financial_year(label: str, step: int = 1) -> str:
    return financial_year_of(date(financial_year_start(label).year + step, 4, 1))


def financial_year_end(label: str) -> date:
    """The last day of the financial year: 31 March of the next year."""
    return date(financial_year_start(label).year + 1, 3, 31)


def financial_years_between(first: date, last: date) -> list[str]:
    """Every financial year from the one containing `first` to the one containing `last`."""
    years = [financial_year_of(first)]
    while financial_year_end(years[-1]) < last:
        years.append(next_financial_year(years[-1]))
    return years
