"""The thresholds a rule set holds, their defaults and their validation (pure).

A rule set's ``thresholds`` is a JSON object with three sections::

    {"fraud_rules": {"velocity_id": {"enabled": true, "score": 40, "max_1h": 1, ...}, ...},
     "decision":    {"reject_fraud_score": 80, "review_fraud_score": 30, ...},
     "risk_level":  {"high_grades": ["D", "E"], ...}}

A new draft is the latest version's thresholds with the maker's changes merged in (objects
merge key by key, anything else replaces), then validated whole: every problem is reported at
once with its dotted path ("fraud_rules.velocity_id.max_1h").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed

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


def merge_thresholds(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: objects key by key, other values replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_thresholds(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def add(self, path: str, message: Any) -> None:
        self.problems.setdefault(path, str(message))

    def section(self, raw: Mapping, name: str, allowed: set[str], prefix: str = ""):
        """``raw[name]`` if it is an object with exactly the ``allowed`` keys (else None)."""
        path = f"{prefix}{name}"
        value = raw.get(name)
        if not isinstance(value, Mapping):
            self.add(path, _("Must be a JSON object."))
            return None
        for key in set(value) - allowed:
            self.add(f"{path}.{key}", _("Unknown field."))
        for key in allowed - set(value):
            self.add(f"{path}.{key}", _("This field is required."))
        return value

    def integer(self, raw: Mapping, path: str, key: str, low: float, high: float) -> None:
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(f"{path}.{key}", _("Must be a whole number."))
        elif not low <= value <= high:
            self.add(
                f"{path}.{key}",
                _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high},
            )

    def number(self, raw: Mapping, path: str, key: str, low: float, high: float) -> None:
        value = raw.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(f"{path}.{key}", _("Must be a number."))
        elif not low <= value <= high:
            self.add(
                f"{path}.{key}",
                _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high},
            )

    def grades(self, raw: Mapping, path: str, key: str) -> set[str]:
        value = raw.get(key)
        if not isinstance(value, list) or not all(g in GRADES for g in value):
            self.add(f"{path}.{key}", _("Give a list of grades A to E."))
            return set()
        return set(value)


def _check_fraud_rules(check: _Checker, rules: Mapping) -> None:
    for name, spec in RULE_PARAMS.items():
        if name not in rules:
            continue  # reported as missing by the section check
        path = f"fraud_rules.{name}"
        params = check.section(rules, name, {"enabled", "score", *spec}, prefix="fraud_rules.")
        if params is None:
            continue
        if not isinstance(params.get("enabled"), bool):
            check.add(f"{path}.enabled", _("Must be true or false."))
        check.integer(params, path, "score", 0, 100)
        for key, (kind, low, high) in spec.items():
            (check.integer if kind is int else check.number)(params, path, key, low, high)


def _check_decision(check: _Checker, policy: Mapping) -> None:
    path = "decision"
    check.integer(policy, path, "reject_fraud_score", 1, 100)
    check.integer(policy, path, "review_fraud_score", 1, 100)
    review, reject = policy.get("review_fraud_score"), policy.get("reject_fraud_score")
    if isinstance(review, int) and isinstance(reject, int) and review > reject:
        check.add(f"{path}.review_fraud_score", _("Must not exceed reject_fraud_score."))
    rejected = check.grades(policy, path, "reject_grades")
    reviewed = check.grades(policy, path, "review_grades")
    if rejected & reviewed:
        check.add(f"{path}.review_grades", _("A grade cannot be both rejected and reviewed."))
    check.integer(policy, path, "limit_step_fen", 100, 10_000_000)
    multipliers = policy.get("income_multiplier")
    if not isinstance(multipliers, Mapping) or set(multipliers) != set(GRADES):
        check.add(f"{path}.income_multiplier", _("Give a multiplier for each grade A to E."))
        return
    for grade, text in multipliers.items():
        try:
            value = Decimal(text) if isinstance(text, str) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= MAX_MULTIPLIER:
            check.add(
                f"{path}.income_multiplier.{grade}",
                _("A decimal number from 0 to 24, as a string."),
            )


def _check_risk_levels(check: _Checker, levels: Mapping) -> None:
    path = "risk_level"
    high = check.grades(levels, path, "high_grades")
    medium = check.grades(levels, path, "medium_grades")
    if high & medium:
        check.add(f"{path}.medium_grades", _("A grade cannot be both high and medium."))
    check.integer(levels, path, "high_fraud_score", 1, 100)
    check.integer(levels, path, "medium_fraud_score", 1, 100)


def validate_thresholds(raw: Any) -> dict[str, Any]:
    """``raw`` if it is a complete, valid set of thresholds (see the module doc); otherwise
    ``ValidationFailed`` (code ``invalid_thresholds``) with every problem by path."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed(
            code="invalid_thresholds", fields={"thresholds": _("Must be a JSON object.")}
        )
    check = _Checker()
    for key in set(raw) - set(SECTIONS):
        check.add(key, _("Unknown field."))
    rules = check.section(raw, "fraud_rules", set(RULE_PARAMS))
    if rules is not None:
        _check_fraud_rules(check, rules)
    policy = check.section(raw, "decision", set(DEFAULT_DECISION_POLICY))
    if policy is not None:
        _check_decision(check, policy)
    levels = check.section(raw, "risk_level", set(DEFAULT_RISK_LEVELS))
    if levels is not None:
        _check_risk_levels(check, levels)
    if check.problems:
        raise ValidationFailed(
            _("The rule set's thresholds are not valid."),
            code="invalid_thresholds",
            fields=check.problems,
        )
    return copy.deepcopy(dict(raw))
