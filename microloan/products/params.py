"""Product terms in wire form: the JSON the API carries, the audit trail keeps and forms send.

Wire form: money as yuan strings ("500.00"), rates and the penalty multiplier as decimal
strings ("0.0005", "1.5"), lists as JSON lists, ``grade_rates`` as {"A": "0.0002"}. The
prepayment fee value is yuan for a flat fee ("10.00") and a fraction of the principal prepaid
for a percentage fee ("0.01" = 1 %); "0" when there is no fee.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import parse_yuan, to_yuan_str
from microloan.kernel.rounding import RATE_PLACES

from .domain import (
    PREPAYMENT_FEE_FLAT,
    PREPAYMENT_FEE_NONE,
    Problem,
    ProductTerms,
    validate_product_terms,
)

MONEY_FIELDS = ("min_drawdown", "max_drawdown", "max_line_limit")
DECIMAL_FIELDS = ("daily_rate_min", "daily_rate_max", "penalty_multiplier")
INT_FIELDS = ("day_count", "grace_days", "line_validity_months")
TEXT_FIELDS = ("currency", "prepayment_fee_type", "prepayment_mode", "rounding")
_MAX_TEXT = 40
_MAX_ITEMS = 60


class ProductTermsInvalid(ValidationFailed):
    """Terms refused, every problem at once. ``problems`` keeps each field's own code; the
    error's code is the problems' code when they share one, else ``product_terms_invalid``."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        self.problems = problems
        codes = {problem.code for problem in problems.values()}
        super().__init__(
            _("The product terms are not acceptable."),
            code=codes.pop() if len(codes) == 1 else "product_terms_invalid",
            fields={name: problem.message for name, problem in problems.items()},
        )


def check_product_terms(terms: ProductTerms) -> None:
    """Raise ``ProductTermsInvalid`` unless ``terms`` pass ``validate_product_terms``."""
    problems = validate_product_terms(terms)
    if problems:
        raise ProductTermsInvalid(problems)


def terms_to_params(terms: ProductTerms) -> dict[str, Any]:
    """``terms`` in wire form (JSON-ready)."""
    fee = terms.prepayment_fee_value
    return {
        "currency": terms.currency,
        "allowed_methods": list(terms.allowed_methods),
        "allowed_terms": list(terms.allowed_terms),
        "daily_rate_min": str(terms.daily_rate_min),
        "daily_rate_max": str(terms.daily_rate_max),
        "grade_rates": {grade: str(rate) for grade, rate in sorted(terms.grade_rates.items())},
        "day_count": terms.day_count,
        "penalty_multiplier": str(terms.penalty_multiplier),
        "grace_days": terms.grace_days,
        "allocation_order": list(terms.allocation_order),
        "prepayment_fee_type": terms.prepayment_fee_type,
        "prepayment_fee_value": (
            to_yuan_str(int(fee)) if terms.prepayment_fee_type == PREPAYMENT_FEE_FLAT else str(fee)
        ),
        "prepayment_mode": terms.prepayment_mode,
        "rounding": terms.rounding,
        "min_drawdown": to_yuan_str(terms.min_drawdown),
        "max_drawdown": to_yuan_str(terms.max_drawdown),
        "line_validity_months": terms.line_validity_months,
        "max_line_limit": to_yuan_str(terms.max_line_limit),
    }


_DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


class _Refused(Exception):
    def __init__(self, code: str, message: Any) -> None:
        self.problem = Problem(code, message)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, str | Decimal | int):
        raise _Refused("invalid_number", _("Send the number as a decimal string, e.g. 0.0005."))
    # ASCII digits only: Decimal() also reads full-width and Arabic-Indic digits.
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if not _DECIMAL_TEXT.fullmatch(text):
        raise _Refused("invalid_number", _("Must be a decimal number."))
    number = Decimal(text)
    if -number.normalize().as_tuple().exponent > RATE_PLACES:
        # more would be cut on saving, and the reply would echo what was not stored
        raise _Refused(
            "invalid_number", _("At most %(places)s decimals.") % {"places": RATE_PLACES}
        )
    return number


def _money(value: Any) -> int:
    if not isinstance(value, str):
        raise _Refused("invalid_amount", _("Send money as a string in yuan, e.g. 500.00."))
    try:
        return parse_yuan(value)
    except ValidationFailed as refused:
        raise _Refused("invalid_amount", next(iter(refused.fields.values()))) from None


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Refused("invalid_integer", _("Must be a whole number."))
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise _Refused("invalid_value", _("Must be a short text value."))
    return value


def _list_of(item: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    def parse(value: Any) -> tuple:
        if not isinstance(value, list | tuple) or len(value) > _MAX_ITEMS:
            raise _Refused("invalid_list", _("Must be a list of at most 60 items."))
        return tuple(item(element) for element in value)

    return parse


def _grade_rates(value: Any) -> dict[str, Decimal]:
    if not isinstance(value, Mapping) or len(value) > _MAX_ITEMS:
        raise _Refused("invalid_grade_rates", _("Give an object of grade → daily rate."))
    return {_text(grade): _decimal(rate) for grade, rate in value.items()}


_PARSERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(MONEY_FIELDS, _money),
    **dict.fromkeys(DECIMAL_FIELDS, _decimal),
    **dict.fromkeys(INT_FIELDS, _whole),
    **dict.fromkeys(TEXT_FIELDS, _text),
    "allowed_methods": _list_of(_text),
    "allowed_terms": _list_of(_whole),
    "allocation_order": _list_of(_text),
    "grade_rates": _grade_rates,
}


def apply_params(base: ProductTerms, params: Mapping[str, Any]) -> ProductTerms:
    """``base`` with the wire-form ``params`` applied. Values that cannot be read (wrong type,
    unknown field) raise ``ProductTermsInvalid`` naming each; range and rule checks are
    ``validate_product_terms``'s job."""
    if not isinstance(params, Mapping):
        raise ProductTermsInvalid({"params": Problem("invalid_params", _("Give an object."))})
    changes: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for name, value in params.items():
        parser = _PARSERS.get(name)
        if parser is None:
            if name != "prepayment_fee_value":
                problems[str(name)[:60]] = Problem("unknown_field", _("Unknown field."))
            continue
        try:
            changes[name] = parser(value)
        except _Refused as refused:
            problems[name] = refused.problem
    if "prepayment_fee_value" in params:
        fee_type = changes.get("prepayment_fee_type", base.prepayment_fee_type)
        try:
            fee = params["prepayment_fee_value"]
            changes["prepayment_fee_value"] = (
                Decimal(_money(fee)) if fee_type == PREPAYMENT_FEE_FLAT else _decimal(fee)
            )
        except _Refused as refused:
            problems["prepayment_fee_value"] = refused.problem
    elif changes.get("prepayment_fee_type") == PREPAYMENT_FEE_NONE:
        changes["prepayment_fee_value"] = Decimal(0)
    if problems:
        raise ProductTermsInvalid(problems)
    return dataclasses.replace(base, **changes)
