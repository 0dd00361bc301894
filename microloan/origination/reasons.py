"""Decision reason codes and what a borrower or reviewer reads for each (en / zh-Hans).

The codes are the stable contract (events, API, reports); the texts are translated. Codes come
from admission (``admission_<rule>``), the risk decision (``identity_failed``…), fraud rules
(``velocity_device_1h``…, shown as one generic text to the borrower) and reviewers.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

REASON_TEXTS: dict[str, Any] = {
    # admission
    "admission_over_age": _("The applicant's age is outside the range this product serves."),
    "admission_under_age": _("The applicant is under the minimum age."),
    "admission_income_below_floor": _("The declared monthly income is below the minimum."),
    "admission_id_expired": _("The ID card has expired: renew it and apply again."),
    "admission_blacklisted": _("The application cannot be accepted."),
    "admission_credit_cap_reached": _(
        "The applicant's credit lines already reach the regulatory total of 200,000 yuan."
    ),
    # risk decision
    "identity_failed": _("The identity could not be verified."),
    "identity_unverified": _("The identity needs a manual check."),
    "fraud_score_high": _("The application did not pass the security checks."),
    "fraud_score_elevated": _("The application needs a manual security check."),
    "grade_too_low": _("The credit assessment is below what the product accepts."),
    "grade_needs_review": _("The credit assessment needs a manual review."),
    "credit_cap_reached": _(
        "The applicant's credit lines already reach the regulatory total of 200,000 yuan."
    ),
    "limit_below_minimum": _("The limit that could be offered is below the minimum drawdown."),
    "grade_not_priced": _("The product has no rate for this credit grade."),
    # reviewers
    "manual_approved": _("Approved after manual review."),
    "manual_rejected": _("Rejected after manual review."),
    "manual_returned": _("Returned for correction: some details are incomplete or inconsistent."),
    "withdrawn_by_applicant": _("Withdrawn by the applicant."),
    "review_expired": _("The application expired before the review was completed."),
    "human_review_requested": _(
        "The applicant asked for the automated decision to be reviewed by a person."
    ),
}
GENERIC_TEXT = _("The application did not pass the checks.")


def reason_text(code: str) -> str:
    return str(REASON_TEXTS.get(code, GENERIC_TEXT))


def explained(codes: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    """``[{"code", "text"}]`` in the active language, for screens and the API."""
    return [{"code": code, "text": reason_text(code)} for code in codes]
