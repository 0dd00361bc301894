"""Display filters for lending pages: money in fen as yuan, rates and APRs as percentages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent

from ..classification import Category

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """``123456 → "¥1,234.56"``; empty for None."""
    return "" if fen is None else format_yuan(int(fen))


@register.filter
def percent(rate, places: int = 2) -> str:
    """A rate as a percentage: ``Decimal("0.1986") → "19.86%"``, a daily rate to 3 places."""
    return "" if rate is None else format_percent(Decimal(rate), int(places))


@register.filter
def category_label(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return value
