"""The automated credit decision and the risk level of an application (pure: no ORM, no clock).

``decide`` turns the results of admission, identity, fraud and the scorecard into one of
``auto_approve`` (with a limit and a daily rate), ``auto_reject`` or ``manual_review``, always
with its reason codes. Any reject reason rejects; otherwise any review reason sends the case to
a person; otherwise it is approved. Thresholds are inclusive: a fraud score equal to
``reject_fraud_score`` rejects, one equal to ``review_fraud_score`` goes to review.

Limit = monthly income × the grade's multiplier, capped by the product's maximum line limit and
by the regulatory 200,000 CNY per borrower less the credit the customer already has, rounded
DOWN to ``limit_step_fen``. A limit under the product's minimum drawdown is useless: refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from microloan.kernel.errors import BusinessRuleViolation
from microloan.kernel.regulation import CREDIT_CAP_PER_BORROWER_FEN
from microloan.products.domain import ProductTerms, rate_for_grade

AUTO_APPROVE, AUTO_REJECT, MANUAL_REVIEW = "auto_approve", "auto_reject", "manual_review"
OUTCOMES = (AUTO_APPROVE, AUTO_REJECT, MANUAL_REVIEW)
IDENTITY_OUTCOMES = ("pass", "fail", "review", "error")
LOW, MEDIUM, HIGH = "low", "medium", "high"


@dataclass(frozen=True)
class DecisionInput:
    grade: str
    fraud_score: int
    identity_outcome: str  # pass | fail | review | error
    admission_failures: tuple[str, ...]
    monthly_income_fen: int
    existing_credit_fen: int  # consumer credit the customer already holds (line limits)
    terms: ProductTerms


@dataclass(frozen=True)
class Decision:
    outcome: str
    reasons: tuple[str, ...]
    limit_fen: int | None  # proposed for a manual review when it could be computed
    daily_rate: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reasons": list(self.reasons),
            "limit_fen": self.limit_fen,
            "daily_rate": str(self.daily_rate) if self.daily_rate is not None else None,
        }


def credit_limit(
    *,
    grade: str,
    monthly_income_fen: int,
    existing_credit_fen: int,
    terms: ProductTerms,
    policy: Mapping[str, Any],
) -> int:
    """The limit for an applicant of ``grade`` (see the module doc); 0 when none is possible."""
    multiplier = Decimal(policy["income_multiplier"].get(grade, "0"))
    by_income = Decimal(max(monthly_income_fen, 0)) * multiplier
    headroom = CREDIT_CAP_PER_BORROWER_FEN - max(existing_credit_fen, 0)
    step = policy["limit_step_fen"]
    capped = min(by_income, Decimal(terms.max_line_limit), Decimal(headroom))
    if capped <= 0:
        return 0
    return int((capped / step).to_integral_value(rounding=ROUND_FLOOR)) * step


def decide(facts: DecisionInput, policy: Mapping[str, Any]) -> Decision:
    """The decision for ``facts`` under ``policy`` (a validated rule set's ``decision``)."""
    reject: list[str] = [f"admission_{code}" for code in facts.admission_failures]
    review: list[str] = []
    if facts.identity_outcome == "fail":
        reject.append("identity_failed")
    elif facts.identity_outcome != "pass":
        review.append("identity_unverified")
    if facts.fraud_score >= policy["reject_fraud_score"]:
        reject.append("fraud_score_high")
    elif facts.fraud_score >= policy["review_fraud_score"]:
        review.append("fraud_score_elevated")
    if facts.grade in policy["reject_grades"]:
        reject.append("grade_too_low")
    elif facts.grade in policy["review_grades"]:
        review.append("grade_needs_review")

    limit = credit_limit(
        grade=facts.grade,
        monthly_income_fen=facts.monthly_income_fen,
        existing_credit_fen=facts.existing_credit_fen,
        terms=facts.terms,
        policy=policy,
    )
    if CREDIT_CAP_PER_BORROWER_FEN - max(facts.existing_credit_fen, 0) < facts.terms.min_drawdown:
        reject.append("credit_cap_reached")
    elif limit < facts.terms.min_drawdown and facts.grade not in policy["reject_grades"]:
        reject.append("limit_below_minimum")
    try:
        rate = rate_for_grade(facts.terms, facts.grade)
    except BusinessRuleViolation:
        rate = None
        review.append("grade_not_priced")

    if reject:
        return Decision(AUTO_REJECT, tuple(reject), None, None)
    if review:
        return Decision(MANUAL_REVIEW, tuple(review), limit, rate)
    return Decision(AUTO_APPROVE, (), limit, rate)


def risk_level(
    *,
    grade: str,
    fraud_score: int,
    identity_outcome: str,
    outcome: str,
    levels: Mapping[str, Any],
) -> str:
    """low / medium / high (``levels`` = a validated rule set's ``risk_level``): high for a
    refusal, an unverified identity, a high-risk grade or a fraud score at ``high_fraud_score``;
    medium for a medium grade, a manual review or a fraud score at ``medium_fraud_score``."""
    if (
        outcome == AUTO_REJECT
        or identity_outcome != "pass"
        or grade in levels["high_grades"]
        or fraud_score >= levels["high_fraud_score"]
    ):
        return HIGH
    if (
        outcome == MANUAL_REVIEW
        or grade in levels["medium_grades"]
        or fraud_score >= levels["medium_fraud_score"]
    ):
        return MEDIUM
    return LOW


# Why these defaults: grade E (PD above ~5 % on the expert scale) is outside appetite and
# grade D is lent to only after a person looks; a fraud score of 30 is one strong signal (a
# shared phone, a velocity hit), 80 is two or a blacklist. Multipliers keep a line within
# one to four months of income, the usual range for unsecured consumer lines.
DEFAULT_DECISION_POLICY: dict[str, Any] = {
    "reject_fraud_score": 80,
    "review_fraud_score": 30,
    "reject_grades": ["E"],
    "review_grades": ["D"],
    "income_multiplier": {"A": "4", "B": "3", "C": "2", "D": "1.5", "E": "1"},
    "limit_step_fen": 10_000,
}

DEFAULT_RISK_LEVELS: dict[str, Any] = {
    "high_grades": ["D", "E"],
    "medium_grades": ["C"],
    "high_fraud_score": 30,
    "medium_fraud_score": 1,
}
