"""Credit scorecards: a versioned JSON artifact and its evaluation (pure: no ORM, no clock).

Artifact (``FORMAT`` "microloan.scorecard/1")::

    {"format": "microloan.scorecard/1", "name": "expert", "base_points": 600, "pdo": 20,
     "base_odds": 50, "intercept_points": 80,
     "grade_cutoffs": {"A": 660, "B": 630, "C": 600, "D": 570},   # lowest score of each grade
     "characteristics": [
        {"name": "age", "kind": "numeric", "edges": [20, 25], "points": [20, 35, 65],
         "missing_points": 0, "reason_code": "SC_AGE"},
        {"name": "education", "kind": "categorical",
         "categories": [{"values": ["bachelor", "master"], "points": 60}, ...],
         "other_points": 30, "missing_points": 30, "reason_code": "SC_EDUCATION"}]}

A numeric characteristic with edges e1 < … < ek has k+1 bins, left-closed: (-inf, e1),
[e1, e2), …, [ek, +inf). A value is missing when the feature is absent, None, NaN or (for a
numeric one) not a number. A categorical value not listed gets ``other_points``.

Score = intercept_points + the points of every characteristic. The scale: a score of
``base_points`` means good:bad odds of ``base_odds`` and every ``pdo`` points double the odds, so
ln(odds) = ln(base_odds) + (score − base_points) × ln 2 / pdo and PD = 1 / (1 + odds).
Grade: the best grade whose cut-off the score reaches; below every cut-off the worst grade
(``WORST_GRADE``, "E"). Adverse reasons: the characteristics with the largest shortfall of their
points against that characteristic's best points, at most three, largest first (ties in the
order of the artifact), each only when the shortfall is positive.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed

FORMAT = "microloan.scorecard/1"
GRADES = ("A", "B", "C", "D", "E")
WORST_GRADE = GRADES[-1]
MAX_REASONS = 3
MAX_CHARACTERISTICS = 60
MAX_BINS = 50
NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class NumericCharacteristic:
    name: str
    edges: tuple[float, ...]
    points: tuple[float, ...]
    missing_points: float
    reason_code: str

    @property
    def max_points(self) -> float:
        return max(*self.points, self.missing_points)

    def bin_of(self, value: Any) -> int:
        """The bin index of ``value``: 0..len(edges), or -1 for missing."""
        number = _as_number(value)
        return -1 if number is None else bisect_right(self.edges, number)

    def points_of(self, value: Any) -> float:
        index = self.bin_of(value)
        return self.missing_points if index < 0 else self.points[index]

    def bin_labels(self) -> list[str]:
        bounds = ["-inf", *(_fmt(e) for e in self.edges), "+inf"]
        return [f"[{bounds[i]}, {bounds[i + 1]})" for i in range(len(self.points))]


@dataclass(frozen=True)
class CategoricalCharacteristic:
    name: str
    groups: tuple[tuple[frozenset[str], float], ...]  # (values, points) in artifact order
    other_points: float
    missing_points: float
    reason_code: str
    _lookup: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {
            value: index for index, (values, _p) in enumerate(self.groups) for value in values
        }
        object.__setattr__(self, "_lookup", lookup)

    @property
    def max_points(self) -> float:
        return max(*(p for _v, p in self.groups), self.other_points, self.missing_points)

    def bin_of(self, value: Any) -> int:
        """The group index of ``value``; -1 for missing, len(groups) for "other"."""
        if _is_missing(value):
            return -1
        return self._lookup.get(str(value), len(self.groups))

    def points_of(self, value: Any) -> float:
        index = self.bin_of(value)
        if index < 0:
            return self.missing_points
        return self.groups[index][1] if index < len(self.groups) else self.other_points

    def bin_labels(self) -> list[str]:
        return [",".join(sorted(values)) for values, _p in self.groups] + ["(other)"]


Characteristic = NumericCharacteristic | CategoricalCharacteristic


@dataclass(frozen=True)
class Scorecard:
    name: str
    base_points: float
    pdo: float
    base_odds: float
    intercept_points: float
    grade_cutoffs: tuple[tuple[str, float], ...]  # best grade first, cut-offs descending
    characteristics: tuple[Characteristic, ...]
    artifact: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def probability_of_default(self, score: float) -> float:
        log_odds = (score - self.offset) / self.factor
        # 1 / (1 + e^x), written to stay finite for any score
        if log_odds >= 0:
            return math.exp(-log_odds) / (1.0 + math.exp(-log_odds))
        return 1.0 / (1.0 + math.exp(log_odds))

    def grade_for(self, score: float) -> str:
        for grade, cutoff in self.grade_cutoffs:
            if score >= cutoff:
                return grade
        return WORST_GRADE


@dataclass(frozen=True)
class ScoreResult:
    score: float
    grade: str
    probability_of_default: float
    reason_codes: tuple[str, ...]
    points: dict[str, float]  # characteristic name -> points awarded

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "grade": self.grade,
            "probability_of_default": round(self.probability_of_default, 8),
            "reason_codes": list(self.reason_codes),
            "points": {name: round(p, 6) for name, p in self.points.items()},
        }


def score_applicant(scorecard: Scorecard, features: Mapping[str, Any]) -> ScoreResult:
    """Score one applicant. ``features`` maps characteristic name -> value (absent = missing)."""
    total = scorecard.intercept_points
    points: dict[str, float] = {}
    shortfalls: list[tuple[float, int, str]] = []
    for position, characteristic in enumerate(scorecard.characteristics):
        awarded = characteristic.points_of(features.get(characteristic.name))
        points[characteristic.name] = awarded
        total += awarded
        shortfall = characteristic.max_points - awarded
        if shortfall > 1e-9:
            shortfalls.append((-shortfall, position, characteristic.reason_code))
    shortfalls.sort()
    return ScoreResult(
        score=total,
        grade=scorecard.grade_for(total),
        probability_of_default=scorecard.probability_of_default(total),
        reason_codes=tuple(code for _s, _p, code in shortfalls[:MAX_REASONS]),
        points=points,
    )


# --- parsing and validation of the artifact ------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_number(value: Any) -> float | None:
    if _is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, path: str, message: Any) -> None:
        self.fields.setdefault(path, str(message))


def _number(raw: Mapping, key: str, path: str, problems: _Problems, *, positive=False):
    value = raw.get(key) if isinstance(raw, Mapping) else None
    number = _as_number(value) if not isinstance(value, str) else None
    if number is None:
        problems.add(f"{path}{key}", _("Must be a number."))
        return None
    if positive and number <= 0:
        problems.add(f"{path}{key}", _("Must be greater than 0."))
        return None
    return number


def _name(raw: Mapping, key: str, path: str, problems: _Problems) -> str:
    value = raw.get(key) if isinstance(raw, Mapping) else None
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX_LENGTH:
        problems.add(f"{path}{key}", _("Give a name of 1 to 64 characters."))
        return ""
    return value.strip()


def _numeric(raw: Mapping, path: str, problems: _Problems, name: str, code: str):
    edges_raw, points_raw = raw.get("edges"), raw.get("points")
    if not isinstance(edges_raw, list) or len(edges_raw) > MAX_BINS:
        problems.add(f"{path}edges", _("Give a list of at most 50 bin edges."))
        return None
    if not isinstance(points_raw, list) or len(points_raw) != len(edges_raw) + 1:
        problems.add(f"{path}points", _("Give one more points value than edges."))
        return None
    edges = [_as_number(e) if not isinstance(e, str) else None for e in edges_raw]
    points = [_as_number(p) if not isinstance(p, str) else None for p in points_raw]
    if any(e is None for e in edges) or any(b <= a for a, b in itertools.pairwise(edges)):
        problems.add(f"{path}edges", _("Edges must be numbers in increasing order."))
        return None
    if any(p is None for p in points):
        problems.add(f"{path}points", _("Every points value must be a number."))
        return None
    missing = _number(raw, "missing_points", path, problems)
    if missing is None:
        return None
    return NumericCharacteristic(name, tuple(edges), tuple(points), missing, code)


def _categorical(raw: Mapping, path: str, problems: _Problems, name: str, code: str):
    groups_raw = raw.get("categories")
    if not isinstance(groups_raw, list) or not groups_raw or len(groups_raw) > MAX_BINS:
        problems.add(f"{path}categories", _("Give 1 to 50 category groups."))
        return None
    groups: list[tuple[frozenset[str], float]] = []
    seen: set[str] = set()
    for index, group in enumerate(groups_raw):
        values = group.get("values") if isinstance(group, Mapping) else None
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            problems.add(f"{path}categories.{index}.values", _("Give a list of category names."))
            return None
        if seen & set(values):
            problems.add(f"{path}categories.{index}.values", _("A category is listed twice."))
            return None
        seen |= set(values)
        points = _number(group, "points", f"{path}categories.{index}.", problems)
        if points is None:
            return None
        groups.append((frozenset(values), points))
    other = _number(raw, "other_points", path, problems)
    missing = _number(raw, "missing_points", path, problems)
    if other is None or missing is None:
        return None
    return CategoricalCharacteristic(name, tuple(groups), other, missing, code)


def _grade_cutoffs(raw: Any, problems: _Problems) -> tuple[tuple[str, float], ...]:
    expected = GRADES[:-1]
    if not isinstance(raw, Mapping) or set(raw) != set(expected):
        problems.add("grade_cutoffs", _("Give the lowest score of grades A, B, C and D."))
        return ()
    cutoffs = [
        (grade, _as_number(raw[grade]) if not isinstance(raw[grade], str) else None)
        for grade in expected
    ]
    if any(c is None for _g, c in cutoffs) or any(
        b >= a for (_ga, a), (_gb, b) in itertools.pairwise(cutoffs)
    ):
        problems.add("grade_cutoffs", _("Cut-offs must be numbers, A highest, then B, C, D."))
        return ()
    return tuple(cutoffs)


def load_scorecard(artifact: Any) -> Scorecard:
    """The scorecard an artifact describes; ``ValidationFailed`` lists every problem by path."""
    problems = _Problems()
    if not isinstance(artifact, Mapping):
        raise ValidationFailed(
            code="invalid_scorecard", fields={"artifact": _("Must be a JSON object.")}
        )
    if artifact.get("format") != FORMAT:
        problems.add("format", _("Must be %(format)s.") % {"format": FORMAT})
    name = _name(artifact, "name", "", problems)
    base_points = _number(artifact, "base_points", "", problems)
    pdo = _number(artifact, "pdo", "", problems, positive=True)
    base_odds = _number(artifact, "base_odds", "", problems, positive=True)
    intercept = _number(artifact, "intercept_points", "", problems)
    cutoffs = _grade_cutoffs(artifact.get("grade_cutoffs"), problems)
    raw_characteristics = artifact.get("characteristics")
    characteristics: list[Characteristic] = []
    if not isinstance(raw_characteristics, list) or not (
        0 < len(raw_characteristics) <= MAX_CHARACTERISTICS
    ):
        problems.add("characteristics", _("Give 1 to 60 characteristics."))
        raw_characteristics = []
    names: set[str] = set()
    for index, raw in enumerate(raw_characteristics):
        path = f"characteristics.{index}."
        if not isinstance(raw, Mapping):
            problems.add(path.rstrip("."), _("Must be a JSON object."))
            continue
        char_name = _name(raw, "name", path, problems)
        if char_name in names:
            problems.add(f"{path}name", _("Two characteristics have this name."))
        names.add(char_name)
        code = raw.get("reason_code", char_name)
        if not isinstance(code, str) or not code or len(code) > NAME_MAX_LENGTH:
            problems.add(f"{path}reason_code", _("Give a code of 1 to 64 characters."))
        kind = raw.get("kind")
        builder = {"numeric": _numeric, "categorical": _categorical}.get(kind)
        if builder is None:
            problems.add(f"{path}kind", _("Must be numeric or categorical."))
            continue
        built = builder(raw, path, problems, char_name, code)
        if built is not None:
            characteristics.append(built)
    if problems.fields:
        raise ValidationFailed(
            _("The scorecard artifact is not valid."),
            code="invalid_scorecard",
            fields=problems.fields,
        )
    return Scorecard(
        name=name,
        base_points=base_points,
        pdo=pdo,
        base_odds=base_odds,
        intercept_points=intercept,
        grade_cutoffs=cutoffs,
        characteristics=tuple(characteristics),
        artifact=artifact,
    )
