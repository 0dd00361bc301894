"""Template text with ``${name}`` placeholders, checked strictly. Pure: no ORM, no clock.

A template declares its variables with a kind (``money``, ``date``…). Saving a text that uses
a name not declared is refused (``unknown_template_variables``); rendering without a value for
a name the text uses raises ``MissingTemplateVariable``: a message never goes out with a hole
or a literal ``${…}`` in it. Values are formatted by kind and language, so a subscriber passes
raw facts (fen, ISO dates, rate strings, reason codes) and the text decides how they read.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from microloan.kernel.money import format_yuan
from microloan.kernel.rounding import format_percent

VARIABLE_KINDS = ("text", "integer", "money", "date", "percent", "daily_rate", "label")

# Codes that reach a borrower through a ``label`` variable, in both languages. An unknown code
# reads as a generic text rather than being refused (a new reason code must not stop the
# message) or shown raw (a fraud rule's code tells a fraudster which rule caught them).
LABELS: dict[str, tuple[str, str]] = {
    # contract kinds (contracts)
    "line_agreement": ("授信额度合同", "credit line agreement"),
    "loan": ("借款合同", "loan contract"),
    # decision reasons (origination.reasons; fraud and blacklist codes read as one generic text)
    "admission_over_age": ("年龄超出本产品服务范围", "your age is outside the range we serve"),
    "admission_under_age": ("未达到最低年龄", "you are under the minimum age"),
    "admission_income_below_floor": (
        "月收入低于最低要求",
        "the monthly income is below the minimum",
    ),
    "admission_id_expired": ("身份证已过期，请更新后重新申请", "your ID card has expired"),
    "admission_blacklisted": ("暂不符合申请条件", "the application cannot be accepted"),
    "admission_credit_cap_reached": (
        "授信总额已达监管上限",
        "your credit lines reach the legal total",
    ),
    "credit_cap_reached": ("授信总额已达监管上限", "your credit lines reach the legal total"),
    "identity_failed": ("身份信息核验未通过", "your identity could not be verified"),
    "fraud_score_high": ("未通过安全校验", "the application did not pass the security checks"),
    "grade_too_low": ("综合信用评估未达要求", "the credit assessment is below what we accept"),
    "limit_below_minimum": (
        "可授信额度低于最低借款金额",
        "the possible limit is below the minimum",
    ),
    "manual_rejected": ("经人工审核未通过", "declined after manual review"),
    "review_expired": ("申请已过期", "the application expired before review"),
    # payment failures (payments)
    "card_invalid": ("收款银行卡无效", "the receiving bank card is invalid"),
    "insufficient_funds": ("银行卡余额不足", "insufficient funds on the card"),
    "rejected": ("银行拒绝了该笔交易", "the bank refused the payment"),
    "failed": ("银行处理失败", "the bank could not process the payment"),
}
GENERIC_LABEL = ("未通过相关审核", "the checks were not passed")


class TemplateSyntaxProblem(ValueError):
    """A ``$`` that is not ``$$``, ``$name`` or ``${name}``."""


class MissingTemplateVariable(KeyError):
    """Rendering needs a value the caller did not give. A bug in the caller."""


@functools.lru_cache(maxsize=256)
def used_variables(text: str) -> frozenset[str]:
    """Names ``text`` refers to; raises TemplateSyntaxProblem on a stray ``$``."""
    names = set()
    for match in string.Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            raise TemplateSyntaxProblem(f"stray '$' at position {match.start('invalid')}")
        name = match.group("named") or match.group("braced")
        if name:
            names.add(name)
    return frozenset(names)


def check_text(text: str, declared: Mapping[str, str]) -> tuple[str, str] | None:
    """None if ``text`` is well formed and uses only ``declared`` names, else
    ``("unknown", "a, b")`` (the unknown names) or ``("syntax", detail)``."""
    try:
        unknown = sorted(used_variables(text) - set(declared))
    except TemplateSyntaxProblem as problem:
        return ("syntax", str(problem))
    if unknown:
        return ("unknown", ", ".join(unknown))
    return None


def _date(value: Any, language: str) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return f"{day.year}年{day.month}月{day.day}日" if language != "en" else day.isoformat()


def _label(value: Any, language: str) -> str:
    codes = value if isinstance(value, list | tuple) else [value]
    index = 1 if language == "en" else 0
    words = [LABELS.get(str(code), GENERIC_LABEL)[index] for code in codes]
    words = list(dict.fromkeys(words))  # two unknown codes read as one generic text
    return (", " if language == "en" else "、").join(words)


def format_value(kind: str, value: Any, language: str) -> str:
    """One value as the borrower reads it in ``language``."""
    if kind == "money":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"money must be int fen, got {value!r}")
        return format_yuan(value)
    if kind == "date":
        return _date(value, language)
    if kind in ("percent", "daily_rate"):
        try:
            rate = Decimal(str(value))
        except InvalidOperation as error:
            raise ValueError(f"not a rate: {value!r}") from error
        return format_percent(rate, 3 if kind == "daily_rate" else 2)
    if kind == "integer":
        return str(int(value))
    if kind == "label":
        return _label(value, language)
    return str(value)


def render(text: str, declared: Mapping[str, str], values: Mapping[str, Any], language: str) -> str:
    """``text`` with every placeholder replaced by its formatted value."""
    names = used_variables(text)
    missing = sorted(name for name in names if values.get(name) is None)
    if missing:
        raise MissingTemplateVariable(", ".join(missing))
    formatted = {
        name: format_value(declared.get(name, "text"), values[name], language) for name in names
    }
    return string.Template(text).substitute(formatted)
