"""Pure rules of the loan loss provision: the rates by category and the required allowance.

No ORM, no clock. The ``provisions`` end-of-day step sums principal per product and category
set-based and calls these for the per-product figures; the tests check the SQL against them.
"""

from __future__ import annotations

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
