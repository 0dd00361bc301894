"""Pure rules of end of day: provision rates, the required allowance, partition sizing.

No ORM, no clock. The SQL steps compute the same things set-based; these functions are what
the steps call for per-product figures and what the tests check the SQL against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from microloan.lending.classification import Category

# Loan loss allowance as a share of principal outstanding, by five-category classification.
# Overridable with settings.EOD_PROVISION_RATES ({"normal": "0.01", …}).
PROVISION_RATES: dict[str, Decimal] = {
    Category.NORMAL: Decimal("0.01"),
    Category.SPECIAL_MENTION: Decimal("0.02"),
    Category.SUBSTANDARD: Decimal("0.25"),
    Category.DOUBTFUL: Decimal("0.50"),
    Category.LOSS: Decimal("1"),
}

MAX_PARTITIONS = 1024


def provision_rates(overrides: Mapping[str, object] | None = None) -> dict[str, Decimal]:
    """The rates by category, with ``overrides`` (category -> rate as str/Decimal) applied."""
    rates = dict(PROVISION_RATES)
    for category, rate in (overrides or {}).items():
        if category not in rates:
            raise ValueError(f"unknown loan category {category!r} in provision rates")
        value = Decimal(str(rate))
        if not value.is_finite() or not 0 <= value <= 1:
            raise ValueError(f"provision rate for {category} must be between 0 and 1")
        rates[category] = value
    return rates


def required_allowance(
    principal_by_category: Mapping[str, int], rates: Mapping[str, Decimal]
) -> int:
    """Σ principal × rate over categories, rounded half-up once, on the product's total."""
    exact = sum(
        (
            Decimal(principal) * rates[category]
            for category, principal in principal_by_category.items()
        ),
        Decimal(0),
    )
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def partition_count(active_loans: int, *, partition_size: int, requested: int | None) -> int:
    """How many id-range partitions a run uses: as requested, else one per ``partition_size``."""
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
            raise ValueError("partitions must be a whole number ≥ 1")
        return min(requested, MAX_PARTITIONS)
    if partition_size < 1:
        raise ValueError("partition size must be ≥ 1")
    return max(1, min(math.ceil(active_loans / partition_size), MAX_PARTITIONS))


def partition_bounds(first_ids: list[int], id_ceiling: int) -> list[tuple[int, int]]:
    """Id ranges [lo, hi) from the first loan id of each partition after the first.

    The first range starts at 0 and the last ends at ``id_ceiling``, so every loan id, even one
    created after the run started, falls in exactly one partition.
    """
    starts = [0, *sorted(set(first_ids) - {0})]
    return [(lo, hi) for lo, hi in zip(starts, [*starts[1:], id_ceiling], strict=True) if lo < hi]
