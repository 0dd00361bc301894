"""Explicit rounding of Decimal amounts to whole fen, and rate helpers.

Products pick a rounding mode by name; domain code calls ``round_fen(value, mode)`` and never
relies on Python's default banker's rounding.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
DEFAULT_ROUNDING = "half_up"
_ONE = Decimal(1)


def round_fen(value: Decimal, mode: str = DEFAULT_ROUNDING) -> int:
    """Round a Decimal number of fen to an int under the named mode."""
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(f"unknown rounding mode {mode!r}") from None
    return int(value.quantize(_ONE, rounding=rounding))


def parse_rate(text: str | Decimal, *, field: str = "rate") -> Decimal:
    """Parse a rate given as a decimal fraction string (``"0.0005"`` = 0.05 % a day)."""
    if isinstance(text, float | bool):
        raise ValidationFailed(
            code="invalid_rate", fields={field: _("Send the rate as a decimal string.")}
        )
    try:
        rate = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            code="invalid_rate", fields={field: _("Rate must be a decimal number.")}
        ) from None
    if not rate.is_finite() or rate < 0 or rate >= 1:
        raise ValidationFailed(
            code="invalid_rate", fields={field: _("Rate must be at least 0 and below 1.")}
        )
    return rate


def daily_to_annual(daily_rate: Decimal, days_in_year: int) -> Decimal:
    """Nominal annual rate from a daily rate under a 360 or 365 day count."""
    return daily_rate * days_in_year


def annual_to_daily(annual_rate: Decimal, days_in_year: int) -> Decimal:
    return annual_rate / days_in_year


def format_percent(rate: Decimal, places: int = 2) -> str:
    """``Decimal("0.0005") → "0.05%"`` for display."""
    return f"{(rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
