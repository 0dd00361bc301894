"""What lending asks of the products app: a version that may lend, and its rate range."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import BusinessRuleViolation, NotFound, ValidationFailed
from microloan.products.domain import ProductTerms, rate_for_grade
from microloan.products.interface import (
    ACTIVE,
    approved_version,
    version_public_id,
    version_status,
)

__all__ = ["approved_version", "attach_product_version", "check_line_rate", "lendable_version"]


def lendable_version(product_version_id: str):
    """The active (approved, not retired) product version ``product_version_id``: 404 if
    unknown, 422 if it may not lend."""
    public_id = str(product_version_id)[:60]
    status = version_status(public_id)
    if status is None:
        raise NotFound(
            _("No such product version."),
            code="product_version_not_found",
            fields={"product_version_id": public_id},
        )
    if status != ACTIVE:
        raise BusinessRuleViolation(
            _("Only the active version of a product can open credit lines."),
            code="product_version_not_active",
            fields={"product_version_id": public_id},
        )
    return approved_version(public_id)


def check_line_rate(terms: ProductTerms, daily_rate: Decimal, grade: str) -> None:
    """The line's daily rate lies in the product's range; a grade must be one the grid prices."""
    if not isinstance(daily_rate, Decimal) or not daily_rate.is_finite():
        raise ValidationFailed(
            code="invalid_rate", fields={"daily_rate": _("Rate must be a decimal number.")}
        )
    if not terms.daily_rate_min <= daily_rate <= terms.daily_rate_max:
        raise BusinessRuleViolation(
            _("The daily rate is outside the product's range."),
            code="rate_out_of_range",
            fields={"daily_rate": f"{terms.daily_rate_min}–{terms.daily_rate_max}"},
        )
    if grade:
        rate_for_grade(terms, grade)


def attach_product_version(obj):
    """Set ``obj.product_version`` (a line's or a loan's: a version that has lent) from the
    per-process cache: one plain-SQL look-up of the version's public id instead of loading the
    version and its product."""
    obj.product_version = version = approved_version(version_public_id(obj.product_version_id))
    return version
