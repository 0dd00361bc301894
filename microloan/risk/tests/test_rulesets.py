"""Rule set thresholds: defaults are valid, changes merge, every problem is named by path."""

import pytest

from microloan.kernel.errors import ValidationFailed
from microloan.risk.rulesets import default_thresholds, merge_thresholds, validate_thresholds


def test_defaults_are_valid():
    assert validate_thresholds(default_thresholds()) == default_thresholds()


def test_changes_merge_key_by_key():
    merged = merge_thresholds(
        default_thresholds(),
        {"fraud_rules": {"velocity_id": {"max_1h": 3}}, "decision": {"reject_grades": []}},
    )
    assert merged["fraud_rules"]["velocity_id"]["max_1h"] == 3
    assert merged["fraud_rules"]["velocity_id"]["max_24h"] == 2  # kept
    assert merged["decision"]["reject_grades"] == []
    assert default_thresholds()["fraud_rules"]["velocity_id"]["max_1h"] == 1  # not mutated
    validate_thresholds(merged)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fraud_rules": {"velocity_id": {"max_1h": 0}}}, "fraud_rules.velocity_id.max_1h"),
        ({"fraud_rules": {"velocity_id": {"max_1h": "2"}}}, "fraud_rules.velocity_id.max_1h"),
        ({"fraud_rules": {"velocity_id": {"max_1h": True}}}, "fraud_rules.velocity_id.max_1h"),
        ({"fraud_rules": {"velocity_id": {"score": 101}}}, "fraud_rules.velocity_id.score"),
        ({"fraud_rules": {"velocity_id": {"enabled": "yes"}}}, "fraud_rules.velocity_id.enabled"),
        ({"fraud_rules": {"velocity_id": {"max_2h": 1}}}, "fraud_rules.velocity_id.max_2h"),
        ({"fraud_rules": {"velocity_id": 5}}, "fraud_rules.velocity_id"),
        ({"fraud_rules": {"new_rule": {}}}, "fraud_rules.new_rule"),
        ({"fraud_rules": {"income_outlier": {"log_income_std": 0}}},
         "fraud_rules.income_outlier.log_income_std"),
        ({"decision": {"review_fraud_score": 90}}, "decision.review_fraud_score"),
        ({"decision": {"reject_grades": ["F"]}}, "decision.reject_grades"),
        ({"decision": {"review_grades": ["E"]}}, "decision.review_grades"),
        ({"decision": {"income_multiplier": {"A": 4}}}, "decision.income_multiplier.A"),
        ({"decision": {"income_multiplier": {"A": "25"}}}, "decision.income_multiplier.A"),
        ({"decision": {"income_multiplier": {"A": "NaN"}}}, "decision.income_multiplier.A"),
        ({"decision": {"income_multiplier": {"A": "x"}}}, "decision.income_multiplier.A"),
        ({"decision": {"income_multiplier": {"F": "1"}}}, "decision.income_multiplier"),
        ({"decision": {"limit_step_fen": 1}}, "decision.limit_step_fen"),
        ({"risk_level": {"medium_grades": ["D"]}}, "risk_level.medium_grades"),
        ({"risk_level": {"high_fraud_score": 0}}, "risk_level.high_fraud_score"),
        ({"extra": {}}, "extra"),
        ({"decision": None}, "decision"),
    ],
)  # fmt: skip
def test_invalid_thresholds_name_the_field(changes, field):
    with pytest.raises(ValidationFailed) as refused:
        validate_thresholds(merge_thresholds(default_thresholds(), changes))
    assert refused.value.code == "invalid_thresholds"
    assert field in refused.value.fields


def test_a_missing_section_and_rule_are_reported():
    thresholds = default_thresholds()
    del thresholds["risk_level"]
    del thresholds["fraud_rules"]["blacklist"]
    with pytest.raises(ValidationFailed) as refused:
        validate_thresholds(thresholds)
    assert {"risk_level", "fraud_rules.blacklist"} <= set(refused.value.fields)
