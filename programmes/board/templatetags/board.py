"""Formatting for the board pages: money and returns (formatting only)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from programmes.board.charts import format_pounds

register = template.Library()


@register.filter
def pounds(value: Decimal | int | None) -> str:
    """£25,615,000; £0 for nothing recorded."""
    return format_pounds(value or 0)


@register.filter
def per_pound(roi: Decimal | None) -> str:
    """A return as "£557 saved per £1" (whole pounds from £10 up, else pence)."""
    if roi is None:
        return "no investment recorded"
    if roi >= 10:
        return f"£{roi.quantize(Decimal(1), rounding=ROUND_HALF_UP):,} saved per £1"
    return f"£{roi.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} saved per £1"


@register.filter
def percent(value: Decimal | int | None) -> str:
    """5.7% (one decimal place, as the board paper gives them)."""
    if value is None:
        return "–"
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
