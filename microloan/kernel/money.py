"""Money as an integer number of fen (1/100 CNY). Never a float.

``parse_yuan`` turns user text into fen and ``format_yuan`` turns fen into display text;
``parse_yuan(format_yuan(x)) == x`` for every int ``x``.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

FEN_PER_YUAN = 100

# Optional sign, optional ¥, digits with optional thousands groups, up to two decimals.
_AMOUNT = re.compile(
    r"""^(?P<sign>[-+]?)
        [¥￥]?
        (?P<int>\d{1,3}(?:,\d{3})+|\d+)
        (?:\.(?P<frac>\d{1,2}))?$""",
    re.VERBOSE,
)
_MAX_FEN = 10**17  # fits a signed 64-bit column with room for sums


class MoneyFormatError(ValidationFailed):
    code = "invalid_amount"
    default_message = _("Amount must be yuan with at most two decimals, e.g. 1234.56.")


def parse_yuan(text: str | int, *, field: str = "amount") -> int:
    """Parse ``"1234.56"``, ``"1,234.56"``, ``"¥1,234.56"`` or ``"-0.01"`` into fen.

    An ``int`` is taken as whole yuan. Floats are refused: they cannot hold fen exactly.
    """
    if isinstance(text, bool | float):
        raise MoneyFormatError(fields={field: _("Send the amount as a string, not a float.")})
    if isinstance(text, int):
        fen = text * FEN_PER_YUAN
    elif isinstance(text, str):
        match = _AMOUNT.match(text.strip())
        if not match:
            raise MoneyFormatError(
                fields={
                    field: _("'%(value)s' is not an amount in yuan with at most two decimals.")
                    % {"value": text[:40]}
                }
            )
        whole = int(match["int"].replace(",", ""))
        frac = int((match["frac"] or "").ljust(2, "0"))
        fen = whole * FEN_PER_YUAN + frac
        if match["sign"] == "-":
            fen = -fen
    else:
        raise MoneyFormatError(fields={field: _("Amount must be a string such as 1234.56.")})
    if abs(fen) >= _MAX_FEN:
        raise MoneyFormatError(fields={field: _("Amount is too large.")})
    return fen


def to_yuan_str(fen: int) -> str:
    """Plain machine form used in the API: ``123456 → "1234.56"``, ``-1 → "-0.01"``."""
    sign = "-" if fen < 0 else ""
    whole, frac = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{frac:02d}"


def format_yuan(fen: int, *, symbol: str = "¥") -> str:
    """Display form: ``123456 → "¥1,234.56"``, ``-5 → "-¥0.05"``."""
    sign = "-" if fen < 0 else ""
    whole, frac = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{symbol}{whole:,}.{frac:02d}"
