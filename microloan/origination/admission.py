"""Admission rules: may this person apply at all? Pure: no ORM, no clock (dates come in).

``evaluate_admission`` checks the facts of one application against a policy's thresholds and
returns every rule that fails, each with a stable code and the field it concerns:

===================  ===============================================================
code                 fails when (on the business date D)
===================  ===============================================================
under_age            age on D < ``min_age`` (18 by default; a birthday on D counts)
over_age             age on D > ``max_age`` (55)
income_below_floor   declared monthly income < ``min_monthly_income_fen``
id_expired           the ID card's expiry date is before D (valid on its last day)
blacklisted          any of ID, phone, card, device or IP is on the blacklist
open_application     the customer already has an application in progress
credit_cap_reached   open credit lines already total ``max_total_credit_fen`` or more
===================  ===============================================================

The service refuses ``under_age`` (a minor cannot contract) and ``open_application`` at the
door (4xx, nothing stored); the other failures are decision reasons (``admission_<code>``)
that reject the application through the risk decision, so the refusal is kept and explained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.regulation import (
    ADMISSION_AGE_BOUNDS,
    ADMISSION_MAX_AGE_DEFAULT,
    ADMISSION_MIN_AGE_DEFAULT,
    CREDIT_CAP_PER_BORROWER_FEN,
)
from microloan.kernel.thresholds import Thresholds, bounded_schema, checked_thresholds

# Why these defaults: the ages and the credit cap are kernel.regulation's (legal capacity,
# working life, the regulatory cap per borrower) and bound what a policy version may choose;
# 3,000 CNY is about the lowest urban minimum wage.
DEFAULT_THRESHOLDS: dict[str, int] = {
    "min_age": ADMISSION_MIN_AGE_DEFAULT,
    "max_age": ADMISSION_MAX_AGE_DEFAULT,
    "min_monthly_income_fen": 300_000,
    "max_total_credit_fen": CREDIT_CAP_PER_BORROWER_FEN,
    "review_expiry_days": 7,  # an application in review (or returned) longer is expired
    "initial_review_sla_hours": 24,
    "final_review_sla_hours": 48,
    "due_soon_hours": 4,  # queue flag "due_soon" this long before the SLA
    "claim_lease_minutes": 30,  # a claim lapses after this unless decided
}
# name -> (minimum, maximum), inclusive; every threshold is a whole number.
THRESHOLD_BOUNDS: dict[str, tuple[int, int]] = {
    "min_age": ADMISSION_AGE_BOUNDS,
    "max_age": ADMISSION_AGE_BOUNDS,
    "min_monthly_income_fen": (0, 100_000_000),
    "max_total_credit_fen": (1, CREDIT_CAP_PER_BORROWER_FEN),
    "review_expiry_days": (1, 90),
    "initial_review_sla_hours": (1, 720),
    "final_review_sla_hours": (1, 720),
    "due_soon_hours": (0, 72),
    "claim_lease_minutes": (1, 1440),
}
DOOR_REFUSALS = frozenset({"under_age", "open_application"})


@dataclass(frozen=True)
class AdmissionFacts:
    birth_date: dt.date
    monthly_income_fen: int
    id_expiry: dt.date | None  # None: valid for life
    blacklisted: tuple[str, ...] = ()  # kinds on the blacklist: id, phone, card, device, ip
    has_open_application: bool = False
    existing_credit_fen: int = 0  # limits of the customer's open credit lines


@dataclass(frozen=True)
class AdmissionFailure:
    code: str
    field: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "detail": self.detail}


@dataclass(frozen=True)
class AdmissionResult:
    failures: tuple[AdmissionFailure, ...]

    @property
    def admitted(self) -> bool:
        return not self.failures

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(failure.code for failure in self.failures)

    def door_refusals(self) -> tuple[AdmissionFailure, ...]:
        return tuple(f for f in self.failures if f.code in DOOR_REFUSALS)

    def decision_failures(self) -> tuple[str, ...]:
        """Codes the risk decision turns into ``admission_<code>`` reject reasons."""
        return tuple(f.code for f in self.failures if f.code not in DOOR_REFUSALS)

    def as_dict(self) -> dict[str, Any]:
        return {"admitted": self.admitted, "failures": [f.as_dict() for f in self.failures]}


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on``; a 29 February birthday counts on 1 March in other years."""
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def evaluate_admission(
    facts: AdmissionFacts, thresholds: Mapping[str, int], *, on: dt.date
) -> AdmissionResult:
    """Every admission rule that ``facts`` fail on business date ``on`` (see the module doc)."""
    failures: list[AdmissionFailure] = []
    age = age_on(facts.birth_date, on)
    if age < thresholds["min_age"]:
        failures.append(
            AdmissionFailure("under_age", "id_number", {"age": age, "min": thresholds["min_age"]})
        )
    elif age > thresholds["max_age"]:
        failures.append(
            AdmissionFailure("over_age", "id_number", {"age": age, "max": thresholds["max_age"]})
        )
    floor = thresholds["min_monthly_income_fen"]
    if facts.monthly_income_fen < floor:
        failures.append(
            AdmissionFailure(
                "income_below_floor",
                "monthly_income",
                {"monthly_income_fen": facts.monthly_income_fen, "min": floor},
            )
        )
    if facts.id_expiry is not None and facts.id_expiry < on:
        failures.append(
            AdmissionFailure("id_expired", "id_expiry", {"expired_on": facts.id_expiry.isoformat()})
        )
    if facts.blacklisted:
        failures.append(
            AdmissionFailure("blacklisted", "applicant", {"kinds": list(facts.blacklisted)})
        )
    if facts.has_open_application:
        failures.append(AdmissionFailure("open_application", "customer_id", {}))
    cap = thresholds["max_total_credit_fen"]
    if facts.existing_credit_fen >= cap:
        failures.append(
            AdmissionFailure(
                "credit_cap_reached",
                "requested_amount",
                {"existing_credit_fen": facts.existing_credit_fen, "max": cap},
            )
        )
    return AdmissionResult(tuple(failures))


class _AdmissionRules(Thresholds):
    def problems(self) -> dict[str, Any]:
        if self.min_age > self.max_age:
            return {"max_age": _("The maximum age is below the minimum age.")}
        return {}


# The typed thresholds of an admission policy: every one a whole number within its bounds.
AdmissionThresholds = bounded_schema("AdmissionThresholds", THRESHOLD_BOUNDS, base=_AdmissionRules)


def validate_thresholds(thresholds: Any) -> dict[str, int]:
    """A complete, consistent set of thresholds, or 422 naming every problem."""
    return checked_thresholds(AdmissionThresholds, thresholds, prefix="changes.")
