"""Early-warning rules: from a line's score and signals to no action, a limit cut or a freeze.

Pure (no database). The thresholds are a policy version's JSON (``DEFAULT_THRESHOLDS`` is
version 1); ``EarlyWarningThresholds`` types them and ``threshold_problems`` names every problem.

Decision, in order:

1. **Freeze** when any of: a blacklist hit (``freeze_on_blacklist``); a loan on another line of
   the customer more than ``freeze_other_line_dpd`` days past due; the ID card has expired
   (``freeze_on_expired_id``); the score is below ``freeze_below_score``. A line already
   frozen gets no action (reason ``already_frozen``).
2. **Severe cut** (by ``severe_cut_percent``) when the score is below ``reduce_below_score``
   and there is a soft signal (overdue on another line within the freeze threshold, repeated
   minimum payments, rising utilisation), or two or more soft signals.
3. **Mild cut** (by ``mild_cut_percent``) when the score is below ``reduce_below_score`` or
   the customer is overdue on another line.
4. Otherwise no action; a single signal of repeated minimum payments or rising utilisation is
   recorded on the check but does not cut on its own.

A cut is skipped on a frozen line, within ``reduction_cooldown_days`` of the last applied
cut, and when it would not lower the limit (floored at ``min_limit`` fen, whole yuan). A cut
of at most ``auto_apply_max_cut_percent`` applies at once; a larger one waits for approval.
The new limit may fall below what is used: lending then marks the line *reduced*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

from microloan.kernel.regulation import CREDIT_CAP_PER_BORROWER_FEN
from microloan.kernel.thresholds import Thresholds, bounded_schema
from microloan.kernel.thresholds import threshold_problems as schema_problems

DEFAULT_THRESHOLDS: dict[str, Any] = {
    "freeze_below_score": 400,
    "reduce_below_score": 480,
    "freeze_other_line_dpd": 30,
    "freeze_on_blacklist": True,
    "freeze_on_expired_id": True,
    "mild_cut_percent": 20,
    "severe_cut_percent": 50,
    "auto_apply_max_cut_percent": 30,
    "reduction_cooldown_days": 90,
    "min_limit": 10_000,
    "id_expiry_days": 30,
    "minimum_payment_months": 3,
    "rising_utilisation_increases": 3,
}

# name -> (lowest, highest) for the integer thresholds; the booleans are checked as booleans.
INTEGER_RANGES = {
    "freeze_below_score": (0, 1000),
    "reduce_below_score": (0, 1000),
    "freeze_other_line_dpd": (0, 3650),
    "mild_cut_percent": (1, 99),
    "severe_cut_percent": (1, 99),
    "auto_apply_max_cut_percent": (0, 99),
    "reduction_cooldown_days": (0, 3650),
    "min_limit": (100, CREDIT_CAP_PER_BORROWER_FEN),
    "id_expiry_days": (0, 365),
    "minimum_payment_months": (1, 4),
    "rising_utilisation_increases": (1, 3),
}
BOOLEAN_NAMES = ("freeze_on_blacklist", "freeze_on_expired_id")

NONE, REDUCE, FREEZE = "none", "reduce", "freeze"


class _EarlyWarningRules(Thresholds):
    def problems(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for lower, upper in (
            ("freeze_below_score", "reduce_below_score"),
            ("mild_cut_percent", "severe_cut_percent"),
        ):
            if getattr(self, lower) > getattr(self, upper):
                found[lower] = _("Must not be above %(other)s.") % {"other": upper}
        return found


# The typed thresholds of an early-warning policy (bounds above, the two flags true or false).
EarlyWarningThresholds = bounded_schema(
    "EarlyWarningThresholds", INTEGER_RANGES, booleans=BOOLEAN_NAMES, base=_EarlyWarningRules
)


def threshold_problems(thresholds: Mapping[str, Any]) -> dict[str, str]:
    """Every problem of a complete thresholds mapping, by name ({} when it is valid), in the
    active language (they reach the API and the policy page)."""
    return schema_problems(EarlyWarningThresholds, thresholds)


class DecisionInputs(NamedTuple):
    score: int
    limit: int
    line_frozen: bool = False
    minimum_payments: bool = False
    rising_utilisation: bool = False
    other_line_max_dpd: int = 0  # worst DPD past grace on the customer's other lines, else 0
    blacklist_hit: bool = False
    id_state: str = ""  # "", "expiring", "expired" (signals.id_expiry_state)
    reduced_recently: bool = False  # a cut was applied within the cooldown


@dataclass(slots=True)
class Decision:
    action: str  # NONE, REDUCE or FREEZE
    reasons: list[str] = field(default_factory=list)
    new_limit: int | None = None
    cut_percent: int = 0
    needs_approval: bool = False


def reduced_limit(limit: int, cut_percent: int, min_limit: int) -> int:
    """``limit`` cut by ``cut_percent``, down to whole yuan, never below ``min_limit``."""
    target = limit * (100 - cut_percent) // 100 // 100 * 100
    return max(target, min_limit)


def decide(inputs: DecisionInputs, thresholds: Mapping[str, Any]) -> Decision:
    t = thresholds
    freeze = []
    if inputs.blacklist_hit and t["freeze_on_blacklist"]:
        freeze.append("blacklist_hit")
    if inputs.other_line_max_dpd > t["freeze_other_line_dpd"]:
        freeze.append("overdue_other_line_severe")
    if inputs.id_state == "expired" and t["freeze_on_expired_id"]:
        freeze.append("id_expired")
    if inputs.score < t["freeze_below_score"]:
        freeze.append("score_below_freeze")
    if freeze:
        if inputs.line_frozen:
            return Decision(NONE, [*freeze, "already_frozen"])
        return Decision(FREEZE, freeze)

    overdue_elsewhere = inputs.other_line_max_dpd > 0
    soft = [
        name
        for name, flagged in (
            ("overdue_other_line", overdue_elsewhere),
            ("minimum_payments", inputs.minimum_payments),
            ("rising_utilisation", inputs.rising_utilisation),
        )
        if flagged
    ]
    low_score = inputs.score < t["reduce_below_score"]
    reasons = [*(["score_below_reduce"] if low_score else []), *soft]
    if (low_score and soft) or len(soft) >= 2:
        cut = t["severe_cut_percent"]
    elif low_score or overdue_elsewhere:
        cut = t["mild_cut_percent"]
    else:
        return Decision(NONE, reasons)
    if inputs.line_frozen:
        return Decision(NONE, [*reasons, "line_frozen"])
    if inputs.reduced_recently:
        return Decision(NONE, [*reasons, "reduced_recently"])
    new_limit = reduced_limit(inputs.limit, cut, t["min_limit"])
    if new_limit >= inputs.limit:
        return Decision(NONE, [*reasons, "limit_at_minimum"])
    return Decision(
        REDUCE,
        reasons,
        new_limit=new_limit,
        cut_percent=cut,
        needs_approval=cut > t["auto_apply_max_cut_percent"],
    )
