"""The behaviour score, bin by bin at every boundary, and worked totals."""

import pytest

from microloan.risk.postloan.scoring import (
    BASE_POINTS,
    MAX_SCORE,
    MIN_SCORE,
    BehaviourInputs,
    behaviour_score,
    utilisation_bp,
)


def score_of(max_dpd=0, late=0, util=0, mob=12):
    return behaviour_score(
        BehaviourInputs(
            max_dpd_6m=max_dpd, late_instalments_6m=late, utilisation_bp=util, months_on_book=mob
        )
    )


@pytest.mark.parametrize(
    ("max_dpd", "points"),
    [(0, 120), (1, 90), (3, 90), (4, 40), (30, 40), (31, 10), (60, 10), (61, 0), (400, 0)],
)
def test_max_dpd_bins(max_dpd, points):
    assert score_of(max_dpd=max_dpd).points["max_dpd_6m"] == points


@pytest.mark.parametrize(("late", "points"), [(0, 80), (1, 50), (2, 25), (3, 0), (9, 0)])
def test_late_instalment_bins(late, points):
    assert score_of(late=late).points["late_instalments_6m"] == points


@pytest.mark.parametrize(
    ("util", "points"),
    [(0, 80), (2_999, 80), (3_000, 60), (5_999, 60), (6_000, 35), (8_999, 35), (9_000, 10),
     (9_999, 10), (10_000, 0), (25_000, 0)],
)  # fmt: skip
def test_utilisation_bins(util, points):
    assert score_of(util=util).points["utilisation"] == points


@pytest.mark.parametrize(
    ("mob", "points"), [(0, 10), (2, 10), (3, 25), (5, 25), (6, 40), (11, 40), (12, 60), (99, 60)]
)
def test_months_on_book_bins(mob, points):
    assert score_of(mob=mob).points["months_on_book"] == points


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # A clean seasoned line: every best bin.
        ({"max_dpd": 0, "late": 0, "util": 1_000, "mob": 24}, 640),
        # 5 days late once, 65 % used, 7 months: 300 + 40 + 50 + 35 + 40.
        ({"max_dpd": 5, "late": 1, "util": 6_500, "mob": 7}, 465),
        # Deeply delinquent and maxed out, new: 300 + 0 + 0 + 0 + 10.
        ({"max_dpd": 90, "late": 4, "util": 10_500, "mob": 1}, 310),
    ],
)
def test_worked_totals(inputs, expected):
    assert score_of(**inputs).score == expected


def test_score_range_and_negative_values():
    assert (MIN_SCORE, MAX_SCORE) == (310, 640)
    assert score_of(max_dpd=-3, late=-1, util=-5, mob=-2).score == BASE_POINTS + 120 + 80 + 80 + 10


@pytest.mark.parametrize(
    ("used", "limit", "bp"),
    [(0, 100, 0), (30, 100, 3_000), (1, 3, 3_333), (150, 100, 15_000), (5, 0, 10_000), (0, 0, 0)],
)
def test_utilisation_bp(used, limit, bp):
    assert utilisation_bp(used, limit) == bp
