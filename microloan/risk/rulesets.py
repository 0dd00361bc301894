"""The thresholds a rule set holds, their defaults and their validation (pure).

A rule set's ``thresholds`` is a JSON object with three sections::

    {"fraud_rules": {"velocity_id": {"enabled": true, "score": 40, "max_1h": 1, ...}, ...},
     "decision":    {"reject_fraud_score": 80, "review_fraud_score": 30, ...},
     "risk_level":  {"high_grades": ["D", "E"], ...}}

A new draft is the latest version's thresholds with the maker's changes merged in (objects
merge key by key, anything else replaces), then validated whole by the pydantic schema
``RuleSetThresholds``: every problem is reported at once with its dotted path
("fraud_rules.velocity_id.max_1h").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, BeforeValidator, Field, create_model
from pydantic.fields import FieldInfo

from microloan.kernel.thresholds import Thresholds, checked_thresholds, merge_changes, refuse

from .decision import DEFAULT_DECISION_POLICY, DEFAULT_RISK_LEVELS
from .fraud import DEFAULT_FRAUD_RULES, RULE_PARAMS
from .scorecard import GRADES

SECTIONS = ("fraud_rules", "decision", "risk_level")
MAX_MULTIPLIER = Decimal(24)


def default_thresholds() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "fraud_rules": DEFAULT_FRAUD_RULES,
            "decision": DEFAULT_DECISION_POLICY,
            "risk_level": DEFAULT_RISK_LEVELS,
        }
    )


merge_thresholds = merge_changes  # objects merge key by key, anything else replaces


class _RuleSetSchema(Thresholds):
    """How a rule set's problems have always been worded."""

    refused_message: ClassVar[Any] = _("The rule set's thresholds are not valid.")
    unknown_message: ClassVar[Any] = _("Unknown field.")
    integer_type_message: ClassVar[Any] = _("Must be a whole number.")
    number_type_message: ClassVar[Any] = _("Must be a number.")
    range_message: ClassVar[Any] = _("Must be between %(low)s and %(high)s.")


def _grades(value: Any) -> Any:
    if not isinstance(value, list) or not all(grade in GRADES for grade in value):
        raise refuse(_("Give a list of grades A to E."))
    return value


def _multiplier(value: Any) -> Any:
    try:
        number = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= MAX_MULTIPLIER:
        raise refuse(_("A decimal number from 0 to 24, as a string."))
    return value


def _multiplier_grades(value: Any) -> Any:
    if not isinstance(value, Mapping) or set(value) != set(GRADES):
        raise refuse(_("Give a multiplier for each grade A to E."))
    return value


Grades = Annotated[list[str], BeforeValidator(_grades)]
Score = Annotated[int, Field(ge=1, le=100)]


class DecisionThresholds(_RuleSetSchema):
    reject_fraud_score: Score
    review_fraud_score: Score
    reject_grades: Grades
    review_grades: Grades
    income_multiplier: Annotated[
        dict[str, Annotated[Any, AfterValidator(_multiplier)]], BeforeValidator(_multiplier_grades)
    ]
    limit_step_fen: Annotated[int, Field(ge=100, le=10_000_000)]

    def problems(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.review_fraud_score > self.reject_fraud_score:
            found["review_fraud_score"] = _("Must not exceed reject_fraud_score.")
        if set(self.reject_grades) & set(self.review_grades):
            found["review_grades"] = _("A grade cannot be both rejected and reviewed.")
        return found


class RiskLevelThresholds(_RuleSetSchema):
    high_grades: Grades
    medium_grades: Grades
    high_fraud_score: Score
    medium_fraud_score: Score

    def problems(self) -> dict[str, Any]:
        if set(self.high_grades) & set(self.medium_grades):
            return {"medium_grades": _("A grade cannot be both high and medium.")}
        return {}


def _fraud_rule(name: str, params: Mapping[str, tuple[type, float, float]]) -> type[Thresholds]:
    """One fraud rule: on or off, its score, and its own bounded parameters."""
    fields: dict[str, Any] = {
        "enabled": (bool, ...),
        "score": (Annotated[int, Field(ge=0, le=100)], ...),
    }
    for key, (kind, low, high) in params.items():
        fields[key] = (Annotated[kind, Field(ge=low, le=high)], ...)
    return create_model(f"FraudRule_{name}", __base__=_RuleSetSchema, **fields)


FraudRuleThresholds = create_model(
    "FraudRuleThresholds",
    __base__=_RuleSetSchema,
    **{name: (_fraud_rule(name, params), ...) for name, params in RULE_PARAMS.items()},
)


class RuleSetThresholds(_RuleSetSchema):
    """The typed thresholds of a rule set (see the module doc)."""

    fraud_rules: FraudRuleThresholds
    decision: DecisionThresholds
    risk_level: RiskLevelThresholds

    @classmethod
    def message(cls, error: Mapping[str, Any], field: FieldInfo | None) -> Any:
        if error["type"] == "missing" and len(error["loc"]) == 1:
            return _("Must be a JSON object.")  # a whole section is missing
        return super().message(error, field)


def validate_thresholds(raw: Any) -> dict[str, Any]:
    """``raw`` if it is a complete, valid set of thresholds (see the module doc); otherwise
    ``ValidationFailed`` (code ``invalid_thresholds``) with every problem by path."""
    return checked_thresholds(RuleSetThresholds, raw)
