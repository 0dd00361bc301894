"""A scorecard over a whole table at once (pandas + numpy, no Python loop per row).

Gives the same bins and points as ``scorecard.score_applicant`` does one applicant at a time;
training (held-out metrics), PSI and the benchmark use it. Bin codes per characteristic:
numeric 0..len(edges) then ``missing``; categorical 0..len(groups)-1, then ``other``, then
``missing`` — see ``bin_labels``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scorecard import CategoricalCharacteristic, Characteristic, NumericCharacteristic, Scorecard


def _missing_mask(values: pd.Series) -> np.ndarray:
    blank = values.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    return values.isna().to_numpy() | blank


def bin_codes(characteristic: Characteristic, values: pd.Series | None, rows: int) -> np.ndarray:
    """The bin code of every row (``values`` None: the column is absent, every row missing)."""
    if isinstance(characteristic, NumericCharacteristic):
        missing_code = len(characteristic.points)
        if values is None:
            return np.full(rows, missing_code, dtype=np.int64)
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        codes = np.searchsorted(np.asarray(characteristic.edges, dtype=float), numbers, "right")
        return np.where(np.isfinite(numbers), codes, missing_code).astype(np.int64)
    groups = len(characteristic.groups)
    if values is None:
        return np.full(rows, groups + 1, dtype=np.int64)
    lookup = {
        value: index for index, (names, _p) in enumerate(characteristic.groups) for value in names
    }
    codes = values.astype("string").map(lookup).fillna(groups).to_numpy(dtype=np.int64)
    return np.where(_missing_mask(values), groups + 1, codes)


def bin_points(characteristic: Characteristic) -> np.ndarray:
    """Points by bin code (see the module doc)."""
    if isinstance(characteristic, NumericCharacteristic):
        return np.asarray([*characteristic.points, characteristic.missing_points], dtype=float)
    assert isinstance(characteristic, CategoricalCharacteristic)
    return np.asarray(
        [
            *(p for _v, p in characteristic.groups),
            characteristic.other_points,
            characteristic.missing_points,
        ],
        dtype=float,
    )


def bin_labels(characteristic: Characteristic) -> list[str]:
    return [*characteristic.bin_labels(), "(missing)"]


def score_frame(scorecard: Scorecard, frame: pd.DataFrame) -> np.ndarray:
    """The score of every row of ``frame`` (columns named like the characteristics)."""
    rows = len(frame)
    total = np.full(rows, scorecard.intercept_points, dtype=float)
    for characteristic in scorecard.characteristics:
        values = frame[characteristic.name] if characteristic.name in frame.columns else None
        total += bin_points(characteristic)[bin_codes(characteristic, values, rows)]
    return total


def grade_codes(scorecard: Scorecard, scores: np.ndarray) -> np.ndarray:
    """0 for the best grade … len(cut-offs) for the worst, by the scorecard's cut-offs."""
    cutoffs = np.asarray([cutoff for _g, cutoff in scorecard.grade_cutoffs], dtype=float)
    # the number of cut-offs above the score: a score at a cut-off belongs to that grade
    return np.searchsorted(-cutoffs, -scores, side="left")
