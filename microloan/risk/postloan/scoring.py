"""The behaviour score of a credit line: pure, table-driven, no database.

Four characteristics, each cut into bins worth points; the score is ``BASE_POINTS`` plus the
points of the bin each value falls in. Higher is better (lower risk). Bins are closed on the
lower bound and open on the upper one: ``(lo, hi, points)`` matches ``lo <= value < hi``.

==========================  ======================  =======
characteristic              bin                     points
==========================  ======================  =======
max DPD in 6 months         0                       120
                            1–3                     90
                            4–30                    40
                            31–60                   10
                            61+                     0
late instalments, 6 months  0                       80
                            1                       50
                            2                       25
                            3+                      0
utilisation (used/limit)    < 30 %                  80
                            30 % – < 60 %           60
                            60 % – < 90 %           35
                            90 % – < 100 %          10
                            100 %+                  0
months on book              0–2                     10
                            3–5                     25
                            6–11                    40
                            12+                     60
==========================  ======================  =======

So a score runs from 310 (the worst in every bin, 0 months on book) to 640. Utilisation is in
basis points (used × 10,000 // limit) so the bins are exact integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

BASE_POINTS = 300
NO_UPPER = 10**12

MAX_DPD_BINS = ((0, 1, 120), (1, 4, 90), (4, 31, 40), (31, 61, 10), (61, NO_UPPER, 0))
LATE_COUNT_BINS = ((0, 1, 80), (1, 2, 50), (2, 3, 25), (3, NO_UPPER, 0))
UTILISATION_BP_BINS = (
    (0, 3_000, 80),
    (3_000, 6_000, 60),
    (6_000, 9_000, 35),
    (9_000, 10_000, 10),
    (10_000, NO_UPPER, 0),
)
MONTHS_ON_BOOK_BINS = ((0, 3, 10), (3, 6, 25), (6, 12, 40), (12, NO_UPPER, 60))
MAX_SCORE = BASE_POINTS + 120 + 80 + 80 + 60
MIN_SCORE = BASE_POINTS + 0 + 0 + 0 + 10


class BehaviourInputs(NamedTuple):
    max_dpd_6m: int  # the worst days past due any instalment of the line reached in 6 months
    late_instalments_6m: int  # instalments due in 6 months paid (or still unpaid) past grace
    utilisation_bp: int  # used × 10,000 // limit
    months_on_book: int  # whole months since the line opened


@dataclass(frozen=True)
class BehaviourScore:
    score: int
    points: dict[str, int]


def bin_points(bins: tuple[tuple[int, int, int], ...], value: int) -> int:
    """The points of the bin ``lo <= value < hi``; a negative value counts as 0."""
    value = max(int(value), 0)
    for lo, hi, points in bins:
        if lo <= value < hi:
            return points
    raise ValueError(f"{value} falls in no bin")  # bins cover 0..NO_UPPER; a bug if reached


def utilisation_bp(used: int, limit: int) -> int:
    """Used over limit in basis points; a line with no limit left counts as fully used."""
    if limit <= 0:
        return 10_000 if used > 0 else 0
    return max(used, 0) * 10_000 // limit


def behaviour_score(inputs: BehaviourInputs) -> BehaviourScore:
    points = {
        "max_dpd_6m": bin_points(MAX_DPD_BINS, inputs.max_dpd_6m),
        "late_instalments_6m": bin_points(LATE_COUNT_BINS, inputs.late_instalments_6m),
        "utilisation": bin_points(UTILISATION_BP_BINS, inputs.utilisation_bp),
        "months_on_book": bin_points(MONTHS_ON_BOOK_BINS, inputs.months_on_book),
    }
    return BehaviourScore(score=BASE_POINTS + sum(points.values()), points=points)
