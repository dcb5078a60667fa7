"""Financial years are written 2013/14 and run 1 April to 31 March."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from savings.years import financial_year_of, next_financial_year, validate_financial_year


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2013, 4, 1), "2013/14"),
        (date(2014, 3, 31), "2013/14"),
        (date(2013, 3, 31), "2012/13"),
        (date(1999, 12, 1), "1999/00"),
    ],
)
def test_a_day_falls_in_the_financial_year_that_began_on_the_last_1_april(day, year):
    assert financial_year_of(day) == year


@pytest.mark.parametrize("value", ["2013-14", "2013/15", "13/14", "2013/2014", ""])
def test_it_rejects_anything_but_the_2013_14_form(value):
    with pytest.raises(ValidationError, match="like 2013/14"):
        validate_financial_year(value)


def test_next_financial_year():
    assert next_financial_year("2013/14") == "2014/15"
    assert next_financial_year("2013/14", 2) == "2015/16"
