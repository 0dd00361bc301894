"""Display filters for the customer 360° page (money in fen shown as yuan)."""

from __future__ import annotations

from django import template

from microloan.kernel.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """``123456 → "¥1,234.56"``; empty for None."""
    return "" if fen is None else format_yuan(int(fen))
