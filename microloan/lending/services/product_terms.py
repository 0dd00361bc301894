"""What lending asks of the products app: a version that may lend, and its rate range."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import BusinessRuleViolation, NotFound, ValidationFailed
from microloan.products.domain import ProductTerms, rate_for_grade
from microloan.products.models import ProductVersion


def lendable_version(product_version_id: str) -> ProductVersion:
    """The active (approved, not retired) product version ``product_version_id``: 404 if
    unknown, 422 if it may not lend."""
    version = (
        ProductVersion.objects.select_related("product")
        .filter(public_id=str(product_version_id)[:60])
        .first()
    )
    if version is None:
        raise NotFound(
            _("No such product version."),
            code="product_version_not_found",
            fields={"product_version_id": str(product_version_id)[:60]},
        )
    if version.status != ProductVersion.Status.ACTIVE:
        raise BusinessRuleViolation(
            _("Only the active version of a product can open credit lines."),
            code="product_version_not_active",
            fields={"product_version_id": version.public_id},
        )
    return version


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
