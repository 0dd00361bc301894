"""Training a WoE-binned logistic scorecard (pandas + numpy + scikit-learn; no ORM).

1. Split: stratified train / held-out test (``test_size``, ``seed``).
2. Bin every characteristic on the training rows. Numeric: quantile pre-bins (``max_prebins``),
   bins under ``min_bin_share`` of the rows merged into the neighbour with the closer bad rate,
   then adjacent bins merged until the bad rate is monotonic — both directions are tried and
   the one keeping more information value (IV) wins — then the closest pair merged until at
   most ``max_bins`` remain. Categorical: categories ordered by bad rate, rare ones merged into
   their closest neighbour in that order, then capped the same way. Missing values get their
   own WoE when they are at least ``min_bin_share`` of the rows, else a neutral 0; categories
   never seen in training get 0 as well. WoE = ln(share of goods / share of bads), with 0.5
   added to each count so an all-good bin stays finite.
3. Keep characteristics with IV ≥ ``min_iv``; fit a logistic regression of "bad" on their WoE;
   while a coefficient has the wrong sign (more WoE = more risk: collinearity), drop that
   characteristic and refit.
4. Scale: score = offset + factor × ln(good:bad odds), factor = pdo / ln 2, offset = base_points
   − factor × ln(base_odds). With logit P(bad) = b0 + Σ bj·woe, a bin's points are
   −factor·bj·woe and the intercept is offset − factor·b0, so the artifact's score is exactly
   the model's log-odds on the points scale (points kept to 6 decimals).
5. Measure AUC, KS and Gini of the artifact's scores on the train and the held-out rows.

Bad-rate calculations are vectorised; no design here is tuned on the held-out rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from .batch_scoring import bin_codes, bin_points, score_frame
from .scorecard import (
    FORMAT,
    CategoricalCharacteristic,
    Characteristic,
    NumericCharacteristic,
    load_scorecard,
)

DEFAULT_GRADE_CUTOFFS = {"A": 660, "B": 630, "C": 600, "D": 570}
SMOOTHING = 0.5
POINTS_DECIMALS = 6


class TrainingError(ValueError):
    """The data cannot be trained on (the message says why)."""


@dataclass(frozen=True)
class TrainingOptions:
    name: str = "trained"
    test_size: float = 0.3
    seed: int = 42
    max_prebins: int = 20
    min_bin_share: float = 0.05
    max_bins: int = 8
    min_iv: float = 0.02
    regularisation: float = 1.0  # scikit-learn's C
    base_points: float = 600
    pdo: float = 20
    base_odds: float = 50
    grade_cutoffs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADE_CUTOFFS))


@dataclass
class TrainingResult:
    artifact: dict[str, Any]
    metrics: dict[str, dict[str, float]]
    model: LogisticRegression
    features: list[str]  # characteristics in the model, in artifact order
    woe_characteristics: list[Characteristic]  # same bins with WoE as "points"
    test_frame: pd.DataFrame
    test_bad: np.ndarray


# --- target ------------------------------------------------------------------------------------


def bad_flags(target: pd.Series, bad_value: str | None = None) -> np.ndarray:
    """True for the bad rows. Without ``bad_value``: 1 of {0, 1}, or "bad" of {good, bad}."""
    if target.isna().any():
        raise TrainingError(f"{int(target.isna().sum())} rows have no value in the target column.")
    text = target.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    if not numbers.isna().any():
        text = numbers.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    distinct = set(text.str.lower() if bad_value is None else text)
    if len(distinct) != 2:
        raise TrainingError(f"The target must have exactly 2 values, it has {len(distinct)}.")
    if bad_value is None:
        if distinct == {"0", "1"}:
            bad_value = "1"
        elif distinct == {"good", "bad"}:
            return (text.str.lower() == "bad").to_numpy(dtype=bool)
        else:
            raise TrainingError(f"Say which target value is bad (--bad-value): {sorted(distinct)}.")
    elif bad_value not in distinct:
        raise TrainingError(f"--bad-value {bad_value!r} is not a target value: {sorted(distinct)}.")
    return (text == bad_value).to_numpy(dtype=bool)


# --- binning -----------------------------------------------------------------------------------


def _woe(goods: np.ndarray, bads: np.ndarray, total_good: float, total_bad: float) -> np.ndarray:
    return np.log((goods + SMOOTHING) / total_good) - np.log((bads + SMOOTHING) / total_bad)


def _iv(goods, bads, total_good, total_bad) -> float:
    goods, bads = np.asarray(goods, float), np.asarray(bads, float)
    woe = _woe(goods, bads, total_good, total_bad)
    return float(np.sum((goods / total_good - bads / total_bad) * woe))


@dataclass
class _Bins:
    """Adjacent bins: ``keys[i]`` is the edge before bin i+1 (numeric) or bin i's categories."""

    keys: list[Any]
    goods: list[float]
    bads: list[float]
    categorical: bool = False

    def rate(self, i: int) -> float:
        return self.bads[i] / max(self.goods[i] + self.bads[i], 1e-12)

    def merge(self, i: int) -> None:
        """Merge bin i with bin i+1."""
        self.goods[i : i + 2] = [self.goods[i] + self.goods[i + 1]]
        self.bads[i : i + 2] = [self.bads[i] + self.bads[i + 1]]
        if self.categorical:  # keys: each bin's categories
            self.keys[i : i + 2] = [self.keys[i] + self.keys[i + 1]]
        else:  # keys: the edges between bins
            del self.keys[i]

    def merge_small(self, min_count: float) -> None:
        while len(self.goods) > 1:
            sizes = np.add(self.goods, self.bads)
            i = int(np.argmin(sizes))
            if sizes[i] >= min_count:
                return
            if i == 0 or (
                i < len(sizes) - 1
                and abs(self.rate(i + 1) - self.rate(i)) <= abs(self.rate(i) - self.rate(i - 1))
            ):
                self.merge(i)
            else:
                self.merge(i - 1)

    def merge_to_monotonic(self, increasing: bool) -> None:
        while True:
            bad_steps = [
                i
                for i in range(len(self.goods) - 1)
                if (self.rate(i + 1) <= self.rate(i)) == increasing
            ]
            if not bad_steps:
                return
            self.merge(bad_steps[0])

    def cap(self, max_bins: int) -> None:
        while len(self.goods) > max_bins:
            gaps = [abs(self.rate(i + 1) - self.rate(i)) for i in range(len(self.goods) - 1)]
            self.merge(int(np.argmin(gaps)))

    def copy(self) -> _Bins:
        return _Bins(list(self.keys), list(self.goods), list(self.bads), self.categorical)


def _counts(codes: np.ndarray, bad: np.ndarray, size: int) -> tuple[list[float], list[float]]:
    goods = np.bincount(codes, weights=(~bad).astype(float), minlength=size)
    bads = np.bincount(codes, weights=bad.astype(float), minlength=size)
    return goods.tolist(), bads.tolist()


def _numeric_bins(values: np.ndarray, bad: np.ndarray, options: TrainingOptions, totals):
    quantiles = np.quantile(values, np.linspace(0, 1, options.max_prebins + 1)[1:-1])
    edges = [float(e) for e in np.unique(quantiles) if e > values.min()]
    codes = np.searchsorted(np.asarray(edges), values, side="right")
    start = _Bins(edges, *_counts(codes, bad, len(edges) + 1))
    start.merge_small(options.min_bin_share * totals[2])
    best = None
    for increasing in (True, False):
        bins = start.copy()
        bins.merge_to_monotonic(increasing)
        bins.cap(options.max_bins)
        iv = _iv(bins.goods, bins.bads, totals[0], totals[1])
        if best is None or iv > best[0]:
            best = (iv, bins)
    return best[1]


def _categorical_bins(values: pd.Series, bad: np.ndarray, options: TrainingOptions, totals):
    frame = pd.DataFrame({"value": values.astype("string").to_numpy(), "bad": bad})
    table = frame.groupby("value", sort=True)["bad"].agg(["sum", "count"])
    table["rate"] = table["sum"] / table["count"]
    table = table.sort_values(["rate", "count"], kind="stable")
    bins = _Bins(
        [[str(v)] for v in table.index],
        (table["count"] - table["sum"]).astype(float).tolist(),
        table["sum"].astype(float).tolist(),
        categorical=True,
    )
    bins.merge_small(options.min_bin_share * totals[2])
    bins.cap(options.max_bins)
    return bins


def _missing_woe(bad_missing: np.ndarray, options: TrainingOptions, totals) -> float:
    if len(bad_missing) < options.min_bin_share * totals[2] or len(bad_missing) == 0:
        return 0.0
    goods, bads = float((~bad_missing).sum()), float(bad_missing.sum())
    return float(_woe(np.array([goods]), np.array([bads]), totals[0], totals[1])[0])


def bin_characteristic(
    name: str, values: pd.Series, bad: np.ndarray, options: TrainingOptions
) -> tuple[Characteristic, float]:
    """The bins of one characteristic with WoE as their "points", and its IV."""
    totals = (float((~bad).sum()), float(bad.sum()), float(len(bad)))
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        present = np.isfinite(numbers)
    else:
        present = ~(
            values.isna().to_numpy()
            | values.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        )
    missing_woe = _missing_woe(bad[~present], options, totals)
    if not present.any():
        raise TrainingError(f"Column {name!r} has no values.")
    if numeric:
        bins = _numeric_bins(numbers[present], bad[present], options, totals)
        woe = _woe(np.array(bins.goods), np.array(bins.bads), totals[0], totals[1])
        characteristic = NumericCharacteristic(
            name, tuple(bins.keys), tuple(float(w) for w in woe), missing_woe, name
        )
    else:
        bins = _categorical_bins(values[present], bad[present], options, totals)
        woe = _woe(np.array(bins.goods), np.array(bins.bads), totals[0], totals[1])
        characteristic = CategoricalCharacteristic(
            name,
            tuple((frozenset(keys), float(w)) for keys, w in zip(bins.keys, woe, strict=True)),
            0.0,
            missing_woe,
            name,
        )
    goods, bads = list(bins.goods), list(bins.bads)
    if not present.all():
        goods.append(float((~bad[~present]).sum()))
        bads.append(float(bad[~present].sum()))
    return characteristic, _iv(goods, bads, totals[0], totals[1])


def woe_matrix(characteristics: Sequence[Characteristic], frame: pd.DataFrame) -> np.ndarray:
    rows = len(frame)
    columns = [
        bin_points(c)[bin_codes(c, frame[c.name] if c.name in frame.columns else None, rows)]
        for c in characteristics
    ]
    return np.column_stack(columns) if columns else np.empty((rows, 0))


# --- metrics -----------------------------------------------------------------------------------


def discrimination(bad: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """AUC, KS and Gini of ``scores`` (higher = better) against the bad flags."""
    risk = -np.asarray(scores, dtype=float)
    auc = float(roc_auc_score(bad, risk))
    fpr, tpr, _thresholds = roc_curve(bad, risk)
    return {
        "auc": round(auc, 6),
        "ks": round(float(np.max(tpr - fpr)), 6),
        "gini": round(2 * auc - 1, 6),
        "rows": len(bad),
        "bad_rate": round(float(np.mean(bad)), 6),
    }


# --- the whole fit -----------------------------------------------------------------------------


def _fit(x: np.ndarray, bad: np.ndarray, options: TrainingOptions) -> LogisticRegression:
    model = LogisticRegression(C=options.regularisation, max_iter=2000)
    return model.fit(x, bad.astype(int))


def _characteristic_json(woe_char: Characteristic, beta: float, factor: float, iv: float):
    def points(woe: float) -> float:
        return round(-factor * beta * woe, POINTS_DECIMALS) + 0.0  # + 0.0: no "-0.0"

    base = {"name": woe_char.name, "reason_code": woe_char.reason_code, "iv": round(iv, 6)}
    if isinstance(woe_char, NumericCharacteristic):
        return {
            **base,
            "kind": "numeric",
            "edges": list(woe_char.edges),
            "points": [points(w) for w in woe_char.points],
            "missing_points": points(woe_char.missing_points),
            "woe": [round(w, 6) for w in woe_char.points],
        }
    return {
        **base,
        "kind": "categorical",
        "categories": [
            {"values": sorted(values), "points": points(w), "woe": round(w, 6)}
            for values, w in woe_char.groups
        ],
        "other_points": points(woe_char.other_points),
        "missing_points": points(woe_char.missing_points),
    }


def train_scorecard(
    data: pd.DataFrame,
    *,
    target: str,
    bad_value: str | None = None,
    options: TrainingOptions | None = None,
) -> TrainingResult:
    """Fit a scorecard on ``data`` (one row per applicant, ``target`` the outcome column)."""
    options = options or TrainingOptions()
    if target not in data.columns:
        raise TrainingError(f"There is no column {target!r}.")
    if not 0 < options.test_size < 1:
        raise TrainingError("--test-size must be between 0 and 1.")
    bad = bad_flags(data[target], bad_value)
    features = data.drop(columns=[target])
    if features.empty or len(features.columns) == 0:
        raise TrainingError("There are no characteristics besides the target.")
    try:
        train_x, test_x, train_bad, test_bad = train_test_split(
            features, bad, test_size=options.test_size, random_state=options.seed, stratify=bad
        )
    except ValueError as exc:
        raise TrainingError(f"Cannot split the data: {exc}") from None

    binned = [bin_characteristic(str(c), train_x[c], train_bad, options) for c in features.columns]
    kept = [(char, iv) for char, iv in binned if iv >= options.min_iv]
    while True:
        if not kept:
            raise TrainingError("No characteristic carries enough information (IV) to keep.")
        model = _fit(woe_matrix([c for c, _iv in kept], train_x), train_bad, options)
        betas = model.coef_[0]
        # WoE grows with the share of goods, so a risk coefficient must be negative.
        if betas.max() <= 0:
            break
        del kept[int(np.argmax(betas))]

    factor = options.pdo / math.log(2)
    offset = options.base_points - factor * math.log(options.base_odds)
    artifact = {
        "format": FORMAT,
        "name": options.name,
        "base_points": options.base_points,
        "pdo": options.pdo,
        "base_odds": options.base_odds,
        "intercept_points": round(offset - factor * float(model.intercept_[0]), POINTS_DECIMALS),
        "grade_cutoffs": dict(options.grade_cutoffs),
        "characteristics": [
            _characteristic_json(char, float(beta), factor, iv)
            for (char, iv), beta in zip(kept, model.coef_[0], strict=True)
        ],
        "training": {
            "target": target,
            "test_size": options.test_size,
            "seed": options.seed,
            "min_bin_share": options.min_bin_share,
            "max_bins": options.max_bins,
            "min_iv": options.min_iv,
            "dropped": sorted(set(map(str, features.columns)) - {c.name for c, _iv in kept}),
        },
    }
    scorecard = load_scorecard(artifact)
    metrics = {
        "train": discrimination(train_bad, score_frame(scorecard, train_x)),
        "test": discrimination(test_bad, score_frame(scorecard, test_x)),
    }
    artifact["metrics"] = metrics
    return TrainingResult(
        artifact=artifact,
        metrics=metrics,
        model=model,
        features=[c.name for c, _iv in kept],
        woe_characteristics=[c for c, _iv in kept],
        test_frame=test_x,
        test_bad=test_bad,
    )
