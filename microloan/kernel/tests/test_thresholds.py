"""kernel.thresholds: a kind's pydantic schema refuses bad thresholds with every problem at
once, named by dotted path and worded as the API has always worded them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from microloan.kernel import audit_hook
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.thresholds import (
    Thresholds,
    bounded_schema,
    checked_thresholds,
    merge_changes,
    threshold_problems,
)


class _Ordered(Thresholds):
    def problems(self) -> dict[str, Any]:
        return {"high": "below low"} if self.low > self.high else {}


Limits = bounded_schema(
    "Limits", {"low": (0, 10), "high": (0, 10)}, booleans=("on",), base=_Ordered
)
GOOD = {"low": 1, "high": 5, "on": True}


def _words(problems: dict) -> dict[str, str]:
    return {path: str(problem) for path, problem in problems.items()}


def test_valid_thresholds_come_back_as_a_copy():
    checked = checked_thresholds(Limits, GOOD)
    assert checked == GOOD and checked is not GOOD


def test_every_problem_is_named_at_once():
    with translation.override("en"):
        problems = _words(threshold_problems(Limits, {"low": "1", "high": 11, "on": 1, "extra": 0}))
    assert problems == {
        "low": "A whole number from 0 to 10.",
        "high": "A whole number from 0 to 10.",
        "on": "Must be true or false.",
        "extra": "Unknown threshold.",
    }
    assert _words(threshold_problems(Limits, {"low": 1})) == {
        "high": str(Thresholds.missing_message),
        "on": str(Thresholds.missing_message),
    }


def test_a_boolean_is_not_a_whole_number():
    assert set(threshold_problems(Limits, {**GOOD, "low": True})) == {"low"}


def test_rules_between_fields_run_once_the_fields_are_valid():
    assert _words(threshold_problems(Limits, {**GOOD, "low": 6})) == {"high": "below low"}
    assert set(threshold_problems(Limits, {**GOOD, "low": 6, "on": None})) == {"on"}


def test_the_refusal_is_a_422_with_the_prefix():
    with pytest.raises(ValidationFailed) as refused:
        checked_thresholds(Limits, {**GOOD, "high": -1}, prefix="changes.")
    assert refused.value.code == "invalid_thresholds" and refused.value.status == 422
    assert set(refused.value.fields) == {"changes.high"}
    with pytest.raises(ValidationFailed) as not_an_object:
        checked_thresholds(Limits, [1], prefix="changes.")
    assert set(not_an_object.value.fields) == {"changes"}


def test_changes_merge_key_by_key_without_touching_the_base():
    base = {"a": {"b": 1, "c": [1]}, "d": 2}
    merged = merge_changes(base, {"a": {"b": 3}, "d": {"e": 1}})
    assert merged == {"a": {"b": 3, "c": [1]}, "d": {"e": 1}}
    assert base == {"a": {"b": 1, "c": [1]}, "d": 2}


def test_an_audit_write_without_a_registered_writer_fails_loudly(monkeypatch):
    monkeypatch.setattr(audit_hook, "_writer", None)
    with pytest.raises(ImproperlyConfigured):
        audit_hook.write_audit(action="x.y")
