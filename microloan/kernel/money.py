"""Money as an integer number of fen (1/100 CNY). Never a float.

``parse_yuan`` reads the one form the API takes, ``"1234.56"``: ASCII digits and at most two
decimals, nothing else (no sign, grouping, currency symbol, spaces or other scripts' digits:
Python's ``int()`` and ``Decimal()`` would read "１２" or "١٢" as 12, and the caller would not
know what was stored). ``parse_yuan_display`` also reads what people type and what
``format_yuan`` shows ("¥1,234.56", "-0.05"), for the back-office forms.
``parse_yuan(to_yuan_str(x)) == x`` and ``parse_yuan_display(format_yuan(x)) == x`` for every int.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

FEN_PER_YUAN = 100

_PLAIN = re.compile(r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?", re.ASCII)
# Optional sign, optional ¥, digits with optional thousands groups, up to two decimals.
_DISPLAY = re.compile(
    r"""(?P<sign>[-+]?)
        [¥￥]?
        (?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)
        (?:\.(?P<frac>[0-9]{1,2}))?""",
    re.VERBOSE | re.ASCII,
)
_MAX_FEN = 10**17  # fits a signed 64-bit column with room for sums
_MAX_TEXT = 40


class MoneyFormatError(ValidationFailed):
    code = "invalid_amount"
    default_message = _("Amount must be yuan with at most two decimals, e.g. 1234.56.")


def parse_yuan(text: str, *, field: str = "amount") -> int:
    """Parse ``"1234.56"`` (ASCII digits, optional one or two decimals) into fen."""
    return _parse(_PLAIN, _checked_text(text, field), field)


def parse_yuan_display(text: str, *, field: str = "amount") -> int:
    """Parse typed or displayed yuan (``"¥1,234.56"``, ``" -0.05 "``) into fen."""
    return _parse(_DISPLAY, _checked_text(text, field).strip(" "), field)


def _checked_text(text: object, field: str) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, bool | float | int):
        raise MoneyFormatError(fields={field: _("Send the amount as a string such as 1234.56.")})
    raise MoneyFormatError(fields={field: _("Amount must be a string such as 1234.56.")})


def _parse(pattern: re.Pattern[str], text: str, field: str) -> int:
    match = pattern.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if not match:
        raise MoneyFormatError(
            fields={
                field: _("'%(value)s' is not an amount in yuan with at most two decimals.")
                % {"value": text[:_MAX_TEXT]}
            }
        )
    whole = int(match["int"].replace(",", ""))
    fen = whole * FEN_PER_YUAN + int((match["frac"] or "").ljust(2, "0"))
    if match.groupdict().get("sign") == "-":
        fen = -fen
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
