"""Early-warning rule decisions, as a table, and the validation of a policy's thresholds."""

import pytest

from microloan.risk.postloan.rules import (
    DEFAULT_THRESHOLDS,
    FREEZE,
    NONE,
    REDUCE,
    DecisionInputs,
    decide,
    reduced_limit,
    threshold_problems,
)

LIMIT = 2_000_000  # 20,000.00 yuan
GOOD = 600


@pytest.mark.parametrize(
    ("inputs", "action", "reasons", "new_limit", "needs_approval"),
    [
        ({}, NONE, [], None, False),
        # One soft signal alone with a good score: recorded, no action.
        ({"rising_utilisation": True}, NONE, ["rising_utilisation"], None, False),
        ({"minimum_payments": True}, NONE, ["minimum_payments"], None, False),
        # Overdue on another line within the freeze threshold: mild cut (20 %), applied at once.
        ({"other_line_max_dpd": 5}, REDUCE, ["overdue_other_line"], 1_600_000, False),
        # Score below 480 alone: mild cut.
        ({"score": 479}, REDUCE, ["score_below_reduce"], 1_600_000, False),
        ({"score": 480}, NONE, [], None, False),
        # Two soft signals: severe cut (50 %), needs approval.
        (
            {"rising_utilisation": True, "minimum_payments": True},
            REDUCE,
            ["minimum_payments", "rising_utilisation"],
            1_000_000,
            True,
        ),
        # Low score and a soft signal: severe.
        (
            {"score": 450, "rising_utilisation": True},
            REDUCE,
            ["score_below_reduce", "rising_utilisation"],
            1_000_000,
            True,
        ),
        # Freezes.
        ({"blacklist_hit": True}, FREEZE, ["blacklist_hit"], None, False),
        ({"other_line_max_dpd": 31}, FREEZE, ["overdue_other_line_severe"], None, False),
        ({"other_line_max_dpd": 30}, REDUCE, ["overdue_other_line"], 1_600_000, False),
        ({"id_state": "expired"}, FREEZE, ["id_expired"], None, False),
        ({"id_state": "expiring"}, NONE, [], None, False),
        ({"score": 399}, FREEZE, ["score_below_freeze"], None, False),
        (
            {"score": 350, "blacklist_hit": True},
            FREEZE,
            ["blacklist_hit", "score_below_freeze"],
            None,
            False,
        ),
        # Already frozen: nothing more to do.
        (
            {"blacklist_hit": True, "line_frozen": True},
            NONE,
            ["blacklist_hit", "already_frozen"],
            None,
            False,
        ),
        ({"score": 470, "line_frozen": True}, NONE, ["score_below_reduce", "line_frozen"], None,
         False),
        # Cooldown after a cut.
        ({"score": 470, "reduced_recently": True}, NONE, ["score_below_reduce", "reduced_recently"],
         None, False),
        # At the floor already.
        ({"score": 470, "limit": 10_000}, NONE, ["score_below_reduce", "limit_at_minimum"], None,
         False),
        # Cut floored at the minimum limit.
        ({"score": 470, "limit": 12_000}, REDUCE, ["score_below_reduce"], 10_000, False),
    ],
)  # fmt: skip
def test_decision_table(inputs, action, reasons, new_limit, needs_approval):
    decision = decide(
        DecisionInputs(**{"score": GOOD, "limit": LIMIT, **inputs}), DEFAULT_THRESHOLDS
    )
    assert decision.action == action
    assert decision.reasons == reasons
    assert decision.new_limit == new_limit
    assert decision.needs_approval is needs_approval


def test_auto_apply_threshold_is_inclusive():
    thresholds = {**DEFAULT_THRESHOLDS, "mild_cut_percent": 30}
    decision = decide(DecisionInputs(score=470, limit=LIMIT), thresholds)
    assert (decision.new_limit, decision.needs_approval) == (1_400_000, False)
    thresholds["mild_cut_percent"] = 31
    decision = decide(DecisionInputs(score=470, limit=LIMIT), thresholds)
    assert (decision.new_limit, decision.needs_approval) == (1_380_000, True)


@pytest.mark.parametrize(
    ("limit", "cut", "floor", "expected"),
    [
        (2_000_000, 20, 10_000, 1_600_000),
        (123_456, 20, 10_000, 98_700),
        (9_000, 50, 10_000, 10_000),
    ],
)
def test_reduced_limit_rounds_down_to_the_yuan(limit, cut, floor, expected):
    assert reduced_limit(limit, cut, floor) == expected


def test_default_thresholds_are_valid():
    assert threshold_problems(DEFAULT_THRESHOLDS) == {}


def test_threshold_problems_are_all_reported():
    bad = {**DEFAULT_THRESHOLDS, "mild_cut_percent": 0, "freeze_on_blacklist": "yes", "x": 1}
    del bad["min_limit"]
    assert set(threshold_problems(bad)) == {
        "mild_cut_percent",
        "freeze_on_blacklist",
        "x",
        "min_limit",
    }
    crossed = {**DEFAULT_THRESHOLDS, "freeze_below_score": 500}
    assert set(threshold_problems(crossed)) == {"freeze_below_score"}
