"""Fraud rules (pure: no ORM, no clock). Each rule is a small named function of a
``FraudContext`` and its own parameters from the active rule set; it returns a ``FraudHit``
(its configured score, a reason code, what it saw) or None.

Counts in the context include the application being assessed, so "at most 1 application per
ID in an hour" is ``max_1h: 1`` and a rule hits when a count goes ABOVE its maximum. The fraud
score is the sum of the scores of the rules that hit, capped at ``MAX_FRAUD_SCORE``.

Parameters per rule (the rule set's ``fraud_rules`` section, see ``DEFAULT_FRAUD_RULES``):
every rule has ``enabled`` and ``score`` (0..100) plus the thresholds its docstring names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_FRAUD_SCORE = 100
VELOCITY_KEYS = ("id", "phone", "card", "device", "ip")
WINDOWS = ("1h", "24h", "30d")
BLACKLIST_KINDS = VELOCITY_KEYS


@dataclass(frozen=True)
class FraudContext:
    """What the rules look at, pre-computed by the risk services (or a test).

    ``velocity[key][window]``: applications with the same ID / phone / card / device / IP in
    the window, this one included. ``ids_per_*``: distinct ID numbers seen with this device,
    phone or card in the last 30 days, this one included. ``names_per_id`` / ``phones_per_id``:
    distinct names and phones ever seen with this ID number, this application's included.
    ``blacklisted``: the kinds whose value is on the blacklist.
    """

    velocity: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    ids_per_device: int = 0
    ids_per_phone: int = 0
    ids_per_card: int = 0
    names_per_id: int = 0
    phones_per_id: int = 0
    blacklisted: tuple[str, ...] = ()
    age: int | None = None
    years_employed: int | None = None
    monthly_income_fen: int | None = None


@dataclass(frozen=True)
class FraudHit:
    rule: str
    score: int
    reason_code: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "score": self.score,
            "reason_code": self.reason_code,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class FraudResult:
    score: int
    hits: tuple[FraudHit, ...]

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(hit.reason_code for hit in self.hits)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "hits": [hit.as_dict() for hit in self.hits]}


Rule = Callable[[FraudContext, Mapping[str, Any]], tuple[str, dict[str, Any]] | None]


# --- the rules ---------------------------------------------------------------------------------


def _velocity_rule(key: str) -> Rule:
    def velocity(context: FraudContext, params: Mapping[str, Any]):
        """Applications with the same value above ``max_1h`` / ``max_24h`` / ``max_30d``."""
        counts = context.velocity.get(key, {})
        exceeded = {
            window: {"count": counts.get(window, 0), "max": params[f"max_{window}"]}
            for window in WINDOWS
            if counts.get(window, 0) > params[f"max_{window}"]
        }
        if not exceeded:
            return None
        shortest = next(iter(exceeded))
        return f"velocity_{key}_{shortest}", {"windows": exceeded}

    velocity.__name__ = f"velocity_{key}"
    return velocity


def _shared_rule(attribute: str, subject: str) -> Rule:
    def shared(context: FraudContext, params: Mapping[str, Any]):
        """More than ``max_ids`` distinct ID numbers on one device / phone / card (30 days)."""
        seen = getattr(context, attribute)
        if seen <= params["max_ids"]:
            return None
        return f"{subject}_shared_by_ids", {"ids": seen, "max": params["max_ids"]}

    shared.__name__ = f"shared_{subject}"
    return shared


def identity_inconsistency(context: FraudContext, params: Mapping[str, Any]):
    """The ID number was used with more than ``max_names_per_id`` names or
    ``max_phones_per_id`` phones."""
    detail = {}
    if context.names_per_id > params["max_names_per_id"]:
        detail["names"] = {"seen": context.names_per_id, "max": params["max_names_per_id"]}
    if context.phones_per_id > params["max_phones_per_id"]:
        detail["phones"] = {"seen": context.phones_per_id, "max": params["max_phones_per_id"]}
    if not detail:
        return None
    return ("id_name_mismatch" if "names" in detail else "id_many_phones"), detail


def blacklist(context: FraudContext, params: Mapping[str, Any]):
    """Any of the applicant's ID, phone, card, device or IP is on the blacklist."""
    kinds = [kind for kind in BLACKLIST_KINDS if kind in context.blacklisted]
    if not kinds:
        return None
    return f"blacklisted_{kinds[0]}", {"kinds": kinds}


def age_vs_employment(context: FraudContext, params: Mapping[str, Any]):
    """Years employed more than age minus ``min_working_age`` (worked before it was legal)."""
    if context.age is None or context.years_employed is None:
        return None
    latest_possible = context.age - params["min_working_age"]
    if context.years_employed <= latest_possible:
        return None
    return "employment_exceeds_age", {
        "age": context.age,
        "years_employed": context.years_employed,
        "max_years_employed": max(latest_possible, 0),
    }


def income_outlier(context: FraudContext, params: Mapping[str, Any]):
    """Monthly income whose log (in yuan) is more than ``max_abs_z`` standard deviations from
    ``log_income_mean`` (standard deviation ``log_income_std``); a zero income is ignored (the
    admission income floor refuses it)."""
    income = context.monthly_income_fen
    if income is None or income <= 0:
        return None
    z = (math.log(income / 100) - params["log_income_mean"]) / params["log_income_std"]
    if abs(z) <= params["max_abs_z"]:
        return None
    code = "income_implausibly_high" if z > 0 else "income_implausibly_low"
    return code, {"z": round(z, 3), "max_abs_z": params["max_abs_z"]}


RULES: dict[str, Rule] = {
    **{f"velocity_{key}": _velocity_rule(key) for key in VELOCITY_KEYS},
    "shared_device": _shared_rule("ids_per_device", "device"),
    "shared_phone": _shared_rule("ids_per_phone", "phone"),
    "shared_card": _shared_rule("ids_per_card", "card"),
    "identity_inconsistency": identity_inconsistency,
    "blacklist": blacklist,
    "age_vs_employment": age_vs_employment,
    "income_outlier": income_outlier,
}


def evaluate_fraud(
    context: FraudContext, fraud_rules: Mapping[str, Mapping[str, Any]]
) -> FraudResult:
    """Run every enabled rule of ``fraud_rules`` (a validated rule set's ``fraud_rules``
    section, or ``DEFAULT_FRAUD_RULES``) in ``RULES`` order."""
    hits: list[FraudHit] = []
    for name, rule in RULES.items():
        params = fraud_rules.get(name)
        if not params or not params["enabled"]:
            continue
        found = rule(context, params)
        if found is not None:
            reason_code, detail = found
            hits.append(FraudHit(name, params["score"], reason_code, detail))
    return FraudResult(min(sum(hit.score for hit in hits), MAX_FRAUD_SCORE), tuple(hits))


# --- parameters ----------------------------------------------------------------------------------

# name -> (type, minimum, maximum) of each parameter, beyond "enabled" and "score".
_VELOCITY_PARAMS = {f"max_{window}": (int, 1, 10_000) for window in WINDOWS}
_SHARED_PARAMS = {"max_ids": (int, 1, 1_000)}
RULE_PARAMS: dict[str, dict[str, tuple[type, float, float]]] = {
    **{f"velocity_{key}": _VELOCITY_PARAMS for key in VELOCITY_KEYS},
    "shared_device": _SHARED_PARAMS,
    "shared_phone": _SHARED_PARAMS,
    "shared_card": _SHARED_PARAMS,
    "identity_inconsistency": {
        "max_names_per_id": (int, 1, 100),
        "max_phones_per_id": (int, 1, 100),
    },
    "blacklist": {},
    "age_vs_employment": {"min_working_age": (int, 0, 30)},
    "income_outlier": {
        "log_income_mean": (float, 0.0, 20.0),
        "log_income_std": (float, 0.01, 10.0),
        "max_abs_z": (float, 0.5, 20.0),
    },
}


def _rule(score: int, **params: Any) -> dict[str, Any]:
    return {"enabled": True, "score": score, **params}


# Why these defaults: a person applies for one line, so a second application with the same ID,
# phone or card inside an hour is already unusual (retries after a refusal, or a ring testing
# stolen identities); devices and IPs are shared more innocently (family phones, office NAT),
# so they get more room and the IP less weight. The income bounds are a log-normal of declared
# monthly incomes: median e^8.7 ≈ 6,000 CNY, sigma 0.7, |z| > 3.5 outside ≈ 520–70,000 CNY.
DEFAULT_FRAUD_RULES: dict[str, dict[str, Any]] = {
    "velocity_id": _rule(40, max_1h=1, max_24h=2, max_30d=4),
    "velocity_phone": _rule(30, max_1h=1, max_24h=2, max_30d=4),
    "velocity_card": _rule(30, max_1h=2, max_24h=3, max_30d=6),
    "velocity_device": _rule(35, max_1h=2, max_24h=4, max_30d=8),
    "velocity_ip": _rule(15, max_1h=5, max_24h=20, max_30d=60),
    "shared_device": _rule(40, max_ids=2),
    "shared_phone": _rule(45, max_ids=1),
    "shared_card": _rule(45, max_ids=1),
    "identity_inconsistency": _rule(35, max_names_per_id=1, max_phones_per_id=3),
    "blacklist": _rule(100),
    "age_vs_employment": _rule(50, min_working_age=16),
    "income_outlier": _rule(25, log_income_mean=8.7, log_income_std=0.7, max_abs_z=3.5),
}
