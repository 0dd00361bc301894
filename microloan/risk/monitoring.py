"""Model monitoring: the population stability index (PSI) of a scorecard's characteristics and
of its score, between an expected (development) and an actual (recent) population.

PSI = Σ (a_i − e_i) × ln(a_i / e_i) over bins, with a_i and e_i the shares of the actual and
expected rows in bin i; an empty bin's share is taken as ``EMPTY_SHARE`` so the sum stays
finite. Reading: < 0.10 stable, 0.10–0.25 a moderate shift worth watching, > 0.25 a
significant shift (re-develop or recalibrate). Characteristics are binned by the scorecard's own
bins (with "other" and "missing"), the score by the scorecard's grade bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .batch_scoring import bin_codes, bin_labels, grade_codes, score_frame
from .scorecard import GRADES, Scorecard

EMPTY_SHARE = 1e-4
STABLE, MODERATE = 0.10, 0.25


def psi(expected_counts: Sequence[float], actual_counts: Sequence[float]) -> float:
    """The PSI of two histograms over the same bins (counts, not shares)."""
    if len(expected_counts) != len(actual_counts) or not expected_counts:
        raise ValueError("expected and actual need the same, non-empty, bins")
    expected_total, actual_total = sum(expected_counts), sum(actual_counts)
    if expected_total <= 0 or actual_total <= 0:
        raise ValueError("both populations need at least one row")
    total = 0.0
    for expected, actual in zip(expected_counts, actual_counts, strict=True):
        e = max(expected / expected_total, EMPTY_SHARE)
        a = max(actual / actual_total, EMPTY_SHARE)
        total += (a - e) * math.log(a / e)
    return total


def stability(value: float) -> str:
    if value < STABLE:
        return "stable"
    return "moderate_shift" if value <= MODERATE else "significant_shift"


@dataclass(frozen=True)
class PsiLine:
    name: str  # a characteristic, or "score"
    psi: float
    stability: str
    bins: list[str]
    expected_shares: list[float]
    actual_shares: list[float]
    absent: bool = False  # the column is in neither file: every row "missing"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "psi": round(self.psi, 6),
            "stability": self.stability,
            "absent": self.absent,
            "bins": [
                {"bin": label, "expected": round(e, 6), "actual": round(a, 6)}
                for label, e, a in zip(
                    self.bins, self.expected_shares, self.actual_shares, strict=True
                )
            ],
        }


def _line(name: str, labels: list[str], expected: np.ndarray, actual: np.ndarray, **extra):
    bins = len(labels)
    e = np.bincount(expected, minlength=bins).astype(float)
    a = np.bincount(actual, minlength=bins).astype(float)
    value = psi(e.tolist(), a.tolist())
    return PsiLine(
        name,
        value,
        stability(value),
        labels,
        (e / e.sum()).tolist(),
        (a / a.sum()).tolist(),
        **extra,
    )


def psi_report(scorecard: Scorecard, expected: pd.DataFrame, actual: pd.DataFrame) -> list[PsiLine]:
    """One line per characteristic, then one for the score."""
    if expected.empty or actual.empty:
        raise ValueError("both files need at least one row")
    lines = []
    for characteristic in scorecard.characteristics:
        name = characteristic.name
        in_expected, in_actual = name in expected.columns, name in actual.columns
        lines.append(
            _line(
                name,
                bin_labels(characteristic),
                bin_codes(characteristic, expected[name] if in_expected else None, len(expected)),
                bin_codes(characteristic, actual[name] if in_actual else None, len(actual)),
                absent=not (in_expected or in_actual),
            )
        )
    grade_labels = [*GRADES[: len(scorecard.grade_cutoffs) + 1]]
    lines.append(
        _line(
            "score",
            grade_labels,
            grade_codes(scorecard, score_frame(scorecard, expected)),
            grade_codes(scorecard, score_frame(scorecard, actual)),
        )
    )
    return lines
