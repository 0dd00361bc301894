"""Scorecard evaluation against hand-computed examples; grades, PD, reason codes, validation."""

import copy
import math

import pandas as pd
import pytest

from microloan.kernel.errors import ValidationFailed
from microloan.risk.batch_scoring import grade_codes, score_frame
from microloan.risk.scorecard import load_scorecard, score_applicant
from microloan.risk.services.scorecards import expert_artifact

ARTIFACT = {
    "format": "microloan.scorecard/1",
    "name": "hand",
    "base_points": 600,
    "pdo": 20,
    "base_odds": 50,
    "intercept_points": 500,
    "grade_cutoffs": {"A": 660, "B": 630, "C": 600, "D": 570},
    "characteristics": [
        {"name": "age", "kind": "numeric", "edges": [25, 40], "points": [10, 30, 20],
         "missing_points": 0, "reason_code": "AGE"},
        {"name": "income", "kind": "numeric", "edges": [5000], "points": [20, 50],
         "missing_points": 5, "reason_code": "INCOME"},
        {"name": "edu", "kind": "categorical",
         "categories": [{"values": ["bachelor", "master"], "points": 40},
                        {"values": ["high_school"], "points": 25}],
         "other_points": 10, "missing_points": 15, "reason_code": "EDU"},
    ],
}  # fmt: skip
CARD = load_scorecard(ARTIFACT)


def test_hand_computed_applicant():
    result = score_applicant(CARD, {"age": 30, "income": 3000, "edu": "high_school"})
    # 500 + 30 (age in [25, 40)) + 20 (income < 5000) + 25 (high school)
    assert result.score == 575
    assert result.grade == "D"  # 570 <= 575 < 600
    # odds at 575 = 50 × 2^((575 − 600) / 20); PD = 1 / (1 + odds)
    assert result.probability_of_default == pytest.approx(1 / (1 + 50 * 2 ** (-25 / 20)))
    assert result.probability_of_default == pytest.approx(0.045409, abs=1e-6)
    # shortfalls: age 30-30 = 0, income 50-20 = 30, edu 40-25 = 15
    assert result.reason_codes == ("INCOME", "EDU")
    assert result.points == {"age": 30, "income": 20, "edu": 25}


def test_missing_other_and_unparseable_values():
    result = score_applicant(CARD, {"income": "abc", "edu": "phd"})
    # age absent → 0, "abc" is missing → 5, "phd" is not listed → other 10
    assert result.score == 515
    assert result.grade == "E"
    # shortfalls: income 45, age 30 (first in order), edu 30
    assert result.reason_codes == ("INCOME", "AGE", "EDU")


@pytest.mark.parametrize(
    ("age", "points"),
    [(24.999, 10), (25, 30), (39.99, 30), (40, 20), (None, 0), (float("nan"), 0), ("", 0)],
)
def test_numeric_bins_are_left_closed(age, points):
    assert score_applicant(CARD, {"age": age}).points["age"] == points


@pytest.mark.parametrize(
    ("score", "grade"),
    [(700, "A"), (660, "A"), (659.99, "B"), (630, "B"), (629.99, "C"), (600, "C"),
     (599.99, "D"), (570, "D"), (569.99, "E"), (-50, "E")],
)  # fmt: skip
def test_grade_cut_offs(score, grade):
    assert CARD.grade_for(score) == grade
    assert "ABCDE"[grade_codes(CARD, pd.Series([score]).to_numpy())[0]] == grade


def test_probability_of_default_scale():
    assert CARD.probability_of_default(600) == pytest.approx(1 / 51)
    assert CARD.probability_of_default(620) == pytest.approx(1 / 101)  # odds double per PDO
    assert 0 < CARD.probability_of_default(-1e6) <= 1 and CARD.probability_of_default(1e6) >= 0


def test_at_most_three_reasons_largest_shortfall_first():
    artifact = copy.deepcopy(ARTIFACT)
    artifact["characteristics"].append(
        {"name": "tenure", "kind": "numeric", "edges": [1], "points": [0, 60],
         "missing_points": 0, "reason_code": "TENURE"}
    )  # fmt: skip
    result = score_applicant(load_scorecard(artifact), {"edu": "bachelor"})
    # shortfalls: tenure 60, income 45, age 30, edu 0
    assert result.reason_codes == ("TENURE", "INCOME", "AGE")


def test_batch_scoring_matches_one_by_one():
    rows = [
        {"age": 30, "income": 3000, "edu": "high_school"},
        {"age": None, "income": "abc", "edu": "phd"},
        {"age": 41, "income": 5000, "edu": "master"},
        {"age": 25, "income": None, "edu": None},
    ]
    expected = [score_applicant(CARD, row).score for row in rows]
    assert score_frame(CARD, pd.DataFrame(rows)).tolist() == expected


def test_expert_scorecard_loads_and_ranks_sensibly():
    card = load_scorecard(expert_artifact())
    typical = {
        "age": 35, "monthly_income_fen": 600_000, "years_employed": 4, "education": "bachelor",
        "marital_status": "married", "credit_utilisation": 0.4, "prior_delinquencies": 0,
        "channel": "app", "device_tenure_days": 200,
    }  # fmt: skip
    result = score_applicant(card, typical)
    assert result.score == 630 and result.grade == "B"
    risky = {**typical, "prior_delinquencies": 3, "credit_utilisation": 0.95}
    worse = score_applicant(card, risky)
    assert worse.score == 630 - 90 - 55 and worse.grade == "E"
    assert worse.reason_codes[:2] == ("SC_DELINQUENCY", "SC_UTILISATION")
    assert all(c.get("rationale") for c in expert_artifact()["characteristics"])


def _broken(path, value):
    artifact = copy.deepcopy(ARTIFACT)
    target = artifact
    *parents, last = path
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return artifact


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("format",), "other/1", "format"),
        (("pdo",), 0, "pdo"),
        (("base_odds",), "50", "base_odds"),
        (("intercept_points",), KeyError, "intercept_points"),
        (("grade_cutoffs",), {"A": 600, "B": 630, "C": 600, "D": 570}, "grade_cutoffs"),
        (("grade_cutoffs",), {"A": 660}, "grade_cutoffs"),
        (("characteristics",), [], "characteristics"),
        (("characteristics", 0, "edges"), [40, 25], "characteristics.0.edges"),
        (("characteristics", 0, "points"), [1, 2], "characteristics.0.points"),
        (("characteristics", 0, "kind"), "ordinal", "characteristics.0.kind"),
        (("characteristics", 1, "name"), "age", "characteristics.1.name"),
        (("characteristics", 2, "categories"), [{"values": ["a"], "points": "x"}],
         "characteristics.2.categories.0.points"),
        (("characteristics", 2, "categories"),
         [{"values": ["a"], "points": 1}, {"values": ["a"], "points": 2}],
         "characteristics.2.categories.1.values"),
        (("characteristics", 2, "other_points"), math.inf, "characteristics.2.other_points"),
    ],
)  # fmt: skip
def test_invalid_artifacts_name_the_field(path, value, field):
    with pytest.raises(ValidationFailed) as refused:
        load_scorecard(_broken(path, value))
    assert refused.value.code == "invalid_scorecard"
    assert field in refused.value.fields


def test_an_artifact_must_be_an_object():
    with pytest.raises(ValidationFailed):
        load_scorecard(["not", "an", "object"])
