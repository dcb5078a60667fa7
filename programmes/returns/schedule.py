"""The reporting schedule of an award: which periods it reports on, and when.

Pure date arithmetic over the call's schedule (applications.Call, "Savings
returns"); `programmes.returns.services.returns_generate` makes the returns from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from applications.models import FREQUENCY_MONTHS, Application, Call, ReturnFrequency
from savings.years import financial_year_of, financial_years_between, next_financial_year


@dataclass(frozen=True)
class Period:
    number: int  # 1 for the award's first return
    start: date
    end: date
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (periods start on the 1st)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(f"No day {day.day} in {year}-{month}")  # pragma: no cover


def award_date(application: Application) -> date | None:
    if application.decided_at is None:
        return None
    return timezone.localdate(application.decided_at)


def reporting_end(call: Call, awarded: date) -> date:
    """The last day an award reports on: `return_years` years after the award."""
    return add_months(awarded, 12 * (call.return_years or 0)) - timedelta(days=1)


def periods(call: Call, awarded: date) -> list[Period]:
    """The award's reporting periods: from the call's first period start, each
    `FREQUENCY_MONTHS` long, those that end on or after the award and start
    before its reporting ends."""
    if not call.return_frequency or call.returns_from is None or not call.return_years:
        return []
    months = FREQUENCY_MONTHS[ReturnFrequency(call.return_frequency)]
    last = reporting_end(call, awarded)
    found: list[Period] = []
    step = 0
    while True:
        start = add_months(call.returns_from, months * step)
        if start > last:
            return found
        end = add_months(call.returns_from, months * (step + 1)) - timedelta(days=1)
        step += 1
        if end < awarded:
            continue
        due = end + timedelta(days=call.return_due_days)
        found.append(Period(len(found) + 1, start, end, due))


def reporting_years(call: Call, awarded: date) -> list[str]:
    """The financial years a line of the award's returns may be for."""
    return financial_years_between(awarded, reporting_end(call, awarded))


def latest_projection_year(call: Call, today: date) -> str:
    return next_financial_year(financial_year_of(today), call.projection_years_ahead)
