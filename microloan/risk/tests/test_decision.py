"""The decision policy and the risk level, at each boundary (default policy, Weilidai terms)."""

import dataclasses
from decimal import Decimal

import pytest

from microloan.products.domain import default_weilidai_terms
from microloan.risk.decision import (
    AUTO_APPROVE,
    AUTO_REJECT,
    DEFAULT_DECISION_POLICY,
    DEFAULT_RISK_LEVELS,
    MANUAL_REVIEW,
    DecisionInput,
    decide,
    risk_level,
)

TERMS = default_weilidai_terms()  # min drawdown 500 CNY, max line 200,000 CNY


def _facts(**changes):
    base = {
        "grade": "A",
        "fraud_score": 0,
        "identity_outcome": "pass",
        "admission_failures": (),
        "monthly_income_fen": 800_000,
        "existing_credit_fen": 0,
        "terms": TERMS,
    }
    return DecisionInput(**{**base, **changes})


CASES = [
    # changes, outcome, reasons, limit (fen), daily rate
    ({}, AUTO_APPROVE, (), 3_200_000, "0.0002"),
    ({"grade": "B"}, AUTO_APPROVE, (), 2_400_000, "0.00025"),
    ({"grade": "C"}, AUTO_APPROVE, (), 1_600_000, "0.0003"),
    ({"fraud_score": 29}, AUTO_APPROVE, (), 3_200_000, "0.0002"),
    ({"fraud_score": 30}, MANUAL_REVIEW, ("fraud_score_elevated",), 3_200_000, "0.0002"),
    ({"fraud_score": 79}, MANUAL_REVIEW, ("fraud_score_elevated",), 3_200_000, "0.0002"),
    ({"fraud_score": 80}, AUTO_REJECT, ("fraud_score_high",), None, None),
    ({"grade": "D"}, MANUAL_REVIEW, ("grade_needs_review",), 1_200_000, "0.0004"),
    ({"grade": "E"}, AUTO_REJECT, ("grade_too_low",), None, None),
    ({"identity_outcome": "fail"}, AUTO_REJECT, ("identity_failed",), None, None),
    ({"identity_outcome": "review"}, MANUAL_REVIEW, ("identity_unverified",), 3_200_000, "0.0002"),
    ({"identity_outcome": "error"}, MANUAL_REVIEW, ("identity_unverified",), 3_200_000, "0.0002"),
    ({"admission_failures": ("age_out_of_range", "income_below_floor")}, AUTO_REJECT,
     ("admission_age_out_of_range", "admission_income_below_floor"), None, None),
    ({"identity_outcome": "fail", "fraud_score": 90, "grade": "E"}, AUTO_REJECT,
     ("identity_failed", "fraud_score_high", "grade_too_low"), None, None),
    ({"identity_outcome": "review", "grade": "D"}, MANUAL_REVIEW,
     ("identity_unverified", "grade_needs_review"), 1_200_000, "0.0004"),
    # any reject reason wins over review reasons
    ({"identity_outcome": "review", "fraud_score": 80}, AUTO_REJECT, ("fraud_score_high",),
     None, None),
    # caps: product maximum line, then the 200,000 CNY total less existing credit
    ({"monthly_income_fen": 10_000_000}, AUTO_APPROVE, (), 20_000_000, "0.0002"),
    ({"monthly_income_fen": 10_000_000, "existing_credit_fen": 15_000_000}, AUTO_APPROVE, (),
     5_000_000, "0.0002"),
    ({"existing_credit_fen": 19_950_000}, AUTO_APPROVE, (), 50_000, "0.0002"),
    ({"existing_credit_fen": 19_950_001}, AUTO_REJECT, ("credit_cap_reached",), None, None),
    # rounded down to whole hundreds of yuan: 123,456 × 3 = 370,368 → 370,000
    ({"grade": "B", "monthly_income_fen": 123_456}, AUTO_APPROVE, (), 370_000, "0.00025"),
    # a limit under the minimum drawdown (500 CNY) is refused
    ({"monthly_income_fen": 12_500}, AUTO_APPROVE, (), 50_000, "0.0002"),
    ({"monthly_income_fen": 12_499}, AUTO_REJECT, ("limit_below_minimum",), None, None),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "outcome", "reasons", "limit", "rate"), CASES)
def test_decision_table(changes, outcome, reasons, limit, rate):
    decision = decide(_facts(**changes), DEFAULT_DECISION_POLICY)
    assert decision.outcome == outcome
    assert decision.reasons == reasons
    assert decision.limit_fen == limit
    assert decision.daily_rate == (Decimal(rate) if rate else None)


def test_product_line_limit_caps_the_limit():
    terms = dataclasses.replace(TERMS, max_line_limit=1_000_000)
    decision = decide(_facts(terms=terms), DEFAULT_DECISION_POLICY)
    assert decision.limit_fen == 1_000_000


def test_a_grade_the_product_does_not_price_goes_to_review():
    terms = dataclasses.replace(TERMS, grade_rates={"A": Decimal("0.0002")})
    decision = decide(_facts(grade="B", terms=terms), DEFAULT_DECISION_POLICY)
    assert (decision.outcome, decision.reasons) == (MANUAL_REVIEW, ("grade_not_priced",))
    assert decision.daily_rate is None


def test_cut_offs_come_from_the_policy():
    policy = {**DEFAULT_DECISION_POLICY, "review_fraud_score": 10, "review_grades": ["C", "D"]}
    assert decide(_facts(fraud_score=10), policy).outcome == MANUAL_REVIEW
    assert decide(_facts(grade="C"), policy).outcome == MANUAL_REVIEW
    multipliers = {**DEFAULT_DECISION_POLICY["income_multiplier"], "A": "0.5"}
    policy = {**DEFAULT_DECISION_POLICY, "income_multiplier": multipliers}
    assert decide(_facts(), policy).limit_fen == 400_000


@pytest.mark.parametrize(
    ("grade", "fraud", "identity", "outcome", "level"),
    [
        ("A", 0, "pass", AUTO_APPROVE, "low"),
        ("B", 0, "pass", AUTO_APPROVE, "low"),
        ("C", 0, "pass", AUTO_APPROVE, "medium"),
        ("A", 1, "pass", AUTO_APPROVE, "medium"),
        ("A", 29, "pass", AUTO_APPROVE, "medium"),
        ("A", 30, "pass", MANUAL_REVIEW, "high"),
        ("D", 0, "pass", MANUAL_REVIEW, "high"),
        ("A", 0, "review", MANUAL_REVIEW, "high"),
        ("A", 0, "pass", MANUAL_REVIEW, "medium"),
        ("A", 0, "pass", AUTO_REJECT, "high"),
    ],
)
def test_risk_level(grade, fraud, identity, outcome, level):
    assert (
        risk_level(
            grade=grade,
            fraud_score=fraud,
            identity_outcome=identity,
            outcome=outcome,
            levels=DEFAULT_RISK_LEVELS,
        )
        == level
    )
