"""Formatting for the board pages: money and returns (formatting only)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import template

from programmes.board.charts import format_per_pound, format_pounds

register = template.Library()


@register.filter
def pounds(value: Decimal | int | None) -> str:
    """£25,615,000; £0 for nothing recorded."""
    return format_pounds(value)


@register.filter
def per_pound(roi: Decimal | None) -> str:
    """A return as "£557 saved per £1" (charts.format_per_pound)."""
    return format_per_pound(roi)


@register.filter
def percent(value: Decimal | int | None) -> str:
    """5.7% (one decimal place, as the board paper gives them)."""
    if value is None:
        return "–"
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def with_as_at(url: str, as_at: date | None) -> str:
    """A board address carrying the date its figures are as at (none: now)."""
    if not as_at:
        return url
    return f"{url}{'&' if '?' in url else '?'}as_at={as_at.isoformat()}"
