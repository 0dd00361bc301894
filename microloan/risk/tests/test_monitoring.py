"""PSI against hand-computed examples."""

import math

import pandas as pd
import pytest

from microloan.risk.monitoring import EMPTY_SHARE, psi, psi_report, stability
from microloan.risk.scorecard import load_scorecard

from .test_scorecard import ARTIFACT


def test_psi_hand_computed():
    # shares 0.5/0.3/0.2 → 0.4/0.3/0.3:
    # (0.4−0.5)·ln(0.4/0.5) + 0 + (0.3−0.2)·ln(0.3/0.2) = 0.0223144 + 0.0405465
    assert psi([50, 30, 20], [40, 30, 30]) == pytest.approx(0.0628609, abs=1e-7)
    assert psi([10, 10], [20, 20]) == 0


def test_an_empty_bin_counts_as_a_small_share():
    assert psi([1, 0], [1, 1]) == pytest.approx(
        (0.5 - 1) * math.log(0.5 / 1) + (0.5 - EMPTY_SHARE) * math.log(0.5 / EMPTY_SHARE)
    )
    # shares 1/0 → 0/1: both bins move between 1 and EMPTY_SHARE
    assert psi([1, 0], [0, 1]) == pytest.approx(2 * (1 - EMPTY_SHARE) * math.log(1 / EMPTY_SHARE))


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.0, "stable"), (0.0999, "stable"), (0.1, "moderate_shift"), (0.25, "moderate_shift"),
     (0.2501, "significant_shift")],
)  # fmt: skip
def test_stability_bands(value, label):
    assert stability(value) == label


def test_bad_histograms_are_refused():
    with pytest.raises(ValueError):
        psi([1, 2], [1])
    with pytest.raises(ValueError):
        psi([0, 0], [1, 1])


def test_report_uses_the_scorecard_bins_and_grade_bands():
    card = load_scorecard(ARTIFACT)
    expected = pd.DataFrame(
        {"age": [20, 30, 30, 50], "income": [3000, 3000, 6000, 6000], "edu": ["master"] * 4}
    )
    actual = pd.DataFrame(
        {"age": [20, 20, 30, 50], "income": [3000, 3000, 3000, 6000], "edu": ["master"] * 4}
    )
    lines = {line.name: line for line in psi_report(card, expected, actual)}
    assert list(lines) == ["age", "income", "edu", "score"]
    age = lines["age"]
    assert age.bins == ["[-inf, 25)", "[25, 40)", "[40, +inf)", "(missing)"]
    assert age.expected_shares == [0.25, 0.5, 0.25, 0.0]
    assert age.actual_shares == [0.5, 0.25, 0.25, 0.0]
    assert age.psi == pytest.approx(psi([1, 2, 1, 0], [2, 1, 1, 0]))
    assert age.psi == pytest.approx(2 * 0.25 * math.log(2))
    assert lines["income"].psi == pytest.approx(psi([2, 2, 0], [3, 1, 0]))
    assert lines["edu"].psi == 0
    # scores: 500 + age + income + 40 → expected 570, 590, 620, 610; actual 570, 570, 590, 610
    score = lines["score"]
    assert score.bins == ["A", "B", "C", "D", "E"]
    assert score.expected_shares == [0, 0, 0.5, 0.5, 0]
    assert score.actual_shares == [0, 0, 0.25, 0.75, 0]
    assert score.psi == pytest.approx(psi([0, 0, 2, 2, 0], [0, 0, 1, 3, 0]))


def test_a_column_in_neither_file_is_all_missing():
    card = load_scorecard(ARTIFACT)
    frame = pd.DataFrame({"age": [30], "income": [3000]})
    edu = next(line for line in psi_report(card, frame, frame) if line.name == "edu")
    assert edu.absent and edu.expected_shares[-1] == 1.0 and edu.psi == 0
