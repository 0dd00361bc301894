"""Every fraud rule at its threshold boundaries, through ``evaluate_fraud`` with the defaults."""

import copy
import math

import pytest

from microloan.risk.fraud import DEFAULT_FRAUD_RULES, RULES, FraudContext, evaluate_fraud


def _only(rule):
    """The default rule set with every rule but ``rule`` switched off."""
    rules = copy.deepcopy(DEFAULT_FRAUD_RULES)
    for name, params in rules.items():
        params["enabled"] = name == rule
    return rules


def _hit(rule, context):
    result = evaluate_fraud(context, _only(rule))
    assert len(result.hits) <= 1
    return result.hits[0] if result.hits else None


def _velocity(key, **windows):
    return FraudContext(velocity={key: {"1h": 1, "24h": 1, "30d": 1, **windows}})


VELOCITY_CASES = [
    # rule, key, counts, expected reason code (None: no hit) — defaults per key
    ("velocity_id", "id", {"1h": 1, "24h": 2, "30d": 4}, None),
    ("velocity_id", "id", {"1h": 2, "24h": 2, "30d": 4}, "velocity_id_1h"),
    ("velocity_id", "id", {"1h": 1, "24h": 3, "30d": 4}, "velocity_id_24h"),
    ("velocity_id", "id", {"1h": 1, "24h": 2, "30d": 5}, "velocity_id_30d"),
    ("velocity_phone", "phone", {"1h": 1, "24h": 2, "30d": 4}, None),
    ("velocity_phone", "phone", {"1h": 2, "24h": 2, "30d": 4}, "velocity_phone_1h"),
    ("velocity_phone", "phone", {"1h": 1, "24h": 2, "30d": 5}, "velocity_phone_30d"),
    ("velocity_card", "card", {"1h": 2, "24h": 3, "30d": 6}, None),
    ("velocity_card", "card", {"1h": 3, "24h": 3, "30d": 6}, "velocity_card_1h"),
    ("velocity_card", "card", {"1h": 2, "24h": 4, "30d": 6}, "velocity_card_24h"),
    ("velocity_device", "device", {"1h": 2, "24h": 4, "30d": 8}, None),
    ("velocity_device", "device", {"1h": 2, "24h": 4, "30d": 9}, "velocity_device_30d"),
    ("velocity_ip", "ip", {"1h": 5, "24h": 20, "30d": 60}, None),
    ("velocity_ip", "ip", {"1h": 6, "24h": 20, "30d": 60}, "velocity_ip_1h"),
    ("velocity_ip", "ip", {"1h": 5, "24h": 21, "30d": 61}, "velocity_ip_24h"),
]


@pytest.mark.parametrize(("rule", "key", "counts", "code"), VELOCITY_CASES)
def test_velocity_rules(rule, key, counts, code):
    hit = _hit(rule, _velocity(key, **counts))
    assert (hit.reason_code if hit else None) == code
    if hit:
        assert hit.score == DEFAULT_FRAUD_RULES[rule]["score"]
        assert set(hit.detail["windows"]) == {
            w for w in ("1h", "24h", "30d") if counts[w] > DEFAULT_FRAUD_RULES[rule][f"max_{w}"]
        }


def test_velocity_of_another_key_does_not_count():
    assert _hit("velocity_id", _velocity("phone", **{"1h": 50})) is None


@pytest.mark.parametrize(
    ("rule", "field", "seen", "code"),
    [
        ("shared_device", "ids_per_device", 2, None),
        ("shared_device", "ids_per_device", 3, "device_shared_by_ids"),
        ("shared_phone", "ids_per_phone", 1, None),
        ("shared_phone", "ids_per_phone", 2, "phone_shared_by_ids"),
        ("shared_card", "ids_per_card", 1, None),
        ("shared_card", "ids_per_card", 2, "card_shared_by_ids"),
    ],
)
def test_sharing_rules(rule, field, seen, code):
    hit = _hit(rule, FraudContext(**{field: seen}))
    assert (hit.reason_code if hit else None) == code


@pytest.mark.parametrize(
    ("names", "phones", "code"),
    [
        (1, 3, None),
        (2, 3, "id_name_mismatch"),
        (1, 4, "id_many_phones"),
        (2, 4, "id_name_mismatch"),
    ],
)
def test_identity_inconsistency(names, phones, code):
    hit = _hit("identity_inconsistency", FraudContext(names_per_id=names, phones_per_id=phones))
    assert (hit.reason_code if hit else None) == code


@pytest.mark.parametrize(
    ("kinds", "code"),
    [((), None), (("ip",), "blacklisted_ip"), (("device", "id"), "blacklisted_id")],
)
def test_blacklist(kinds, code):
    hit = _hit("blacklist", FraudContext(blacklisted=kinds))
    assert (hit.reason_code if hit else None) == code


@pytest.mark.parametrize(
    ("age", "years", "code"),
    [
        (30, 14, None),  # started at 16: possible
        (30, 15, "employment_exceeds_age"),
        (16, 0, None),
        (16, 1, "employment_exceeds_age"),
        (None, 40, None),
        (30, None, None),
    ],
)
def test_age_vs_employment(age, years, code):
    hit = _hit("age_vs_employment", FraudContext(age=age, years_employed=years))
    assert (hit.reason_code if hit else None) == code


def _income_at_z(z):
    params = DEFAULT_FRAUD_RULES["income_outlier"]
    return round(math.exp(params["log_income_mean"] + z * params["log_income_std"]) * 100)


@pytest.mark.parametrize(
    ("income", "code"),
    [
        (_income_at_z(3.49), None),
        (_income_at_z(3.51), "income_implausibly_high"),
        (_income_at_z(-3.49), None),
        (_income_at_z(-3.51), "income_implausibly_low"),
        (600_000, None),
        (0, None),
        (None, None),
    ],
)
def test_income_outlier(income, code):
    hit = _hit("income_outlier", FraudContext(monthly_income_fen=income))
    assert (hit.reason_code if hit else None) == code


def test_scores_add_up_and_cap_at_100():
    context = FraudContext(
        velocity={"id": {"1h": 5, "24h": 5, "30d": 5}},
        ids_per_device=5,
        age=20,
        years_employed=10,
    )
    result = evaluate_fraud(context, DEFAULT_FRAUD_RULES)
    assert [hit.rule for hit in result.hits] == [
        "velocity_id", "shared_device", "age_vs_employment",
    ]  # fmt: skip
    assert result.score == 100  # 40 + 40 + 50 capped
    assert result.reason_codes == (
        "velocity_id_1h", "device_shared_by_ids", "employment_exceeds_age",
    )  # fmt: skip
    assert evaluate_fraud(FraudContext(), DEFAULT_FRAUD_RULES).score == 0


def test_a_disabled_rule_never_hits():
    rules = copy.deepcopy(DEFAULT_FRAUD_RULES)
    rules["blacklist"]["enabled"] = False
    assert evaluate_fraud(FraudContext(blacklisted=("id",)), rules).hits == ()


def test_every_rule_has_default_parameters():
    assert set(RULES) == set(DEFAULT_FRAUD_RULES)
