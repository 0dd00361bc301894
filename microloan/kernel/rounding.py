"""Explicit rounding of Decimal amounts to whole fen, and rate helpers.

Products pick a rounding mode by name; domain code calls ``round_fen(value, mode)`` and never
relies on Python's default banker's rounding.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

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


# Rates are stored with 8 decimals (DecimalField(max_digits=12, decimal_places=8)).
RATE_PLACES = 8
_RATE = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def parse_rate(text: str | Decimal, *, field: str = "rate", places: int = RATE_PLACES) -> Decimal:
    """Parse a rate given as a decimal fraction string (``"0.0005"`` = 0.05 % a day).

    ASCII digits with an optional decimal point only, and no more decimals than are stored:
    a rate that would be cut on saving is refused, so what the reply echoes is what was kept.
    """
    if isinstance(text, Decimal):
        text = format(text, "f")
    if not isinstance(text, str):
        raise ValidationFailed(
            code="invalid_rate", fields={field: _("Send the rate as a decimal string.")}
        )
    if len(text) > 40 or not _RATE.fullmatch(text):
        raise ValidationFailed(
            code="invalid_rate",
            fields={field: _("Rate must be a decimal number such as 0.0005.")},
        )
    rate = Decimal(text)
    if rate >= 1:
        raise ValidationFailed(
            code="invalid_rate", fields={field: _("Rate must be at least 0 and below 1.")}
        )
    if -rate.normalize().as_tuple().exponent > places:
        raise ValidationFailed(
            code="invalid_rate",
            fields={field: _("At most %(places)s decimals.") % {"places": places}},
        )
    return rate


def format_percent(rate: Decimal, places: int = 2) -> str:
    """``Decimal("0.0005") → "0.05%"`` for display."""
    return f"{(rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
