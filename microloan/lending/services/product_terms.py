"""What lending asks of the products app: a version that may lend, and its rate range."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import BusinessRuleViolation, NotFound, ValidationFailed
from microloan.products.domain import ProductTerms, rate_for_grade
from microloan.products.models import ProductVersion

# Only a draft's terms change (products.services); a version that may lend is approved, so
# its terms and product stay as loaded. Kept per process by public id (random, never reused,
# unlike a primary key after a rollback); the status, which does change, is read from the
# database on every ``lendable_version``.
_APPROVED_VERSIONS: dict[str, ProductVersion] = {}
_APPROVED_VERSIONS_MAX = 64


def approved_version(public_id: str) -> ProductVersion:
    """Product version ``public_id`` with its product, read once per process: for a version
    that has lent (its terms are frozen). Treat it as read-only; its ``status`` may be stale."""
    version = _APPROVED_VERSIONS.get(public_id)
    if version is None:
        version = ProductVersion.objects.select_related("product").get(public_id=public_id)
        if version.status != ProductVersion.Status.DRAFT:
            if len(_APPROVED_VERSIONS) >= _APPROVED_VERSIONS_MAX:
                _APPROVED_VERSIONS.clear()
            _APPROVED_VERSIONS[public_id] = version
    return version


def lendable_version(product_version_id: str) -> ProductVersion:
    """The active (approved, not retired) product version ``product_version_id``: 404 if
    unknown, 422 if it may not lend."""
    public_id = str(product_version_id)[:60]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # plain SQL: every line opening asks
        cursor.execute(
            f"SELECT {quote('status')} FROM"
            f" {quote(ProductVersion._meta.db_table)} WHERE {quote('public_id')} = %s",
            [public_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(
            _("No such product version."),
            code="product_version_not_found",
            fields={"product_version_id": public_id},
        )
    if row[0] != ProductVersion.Status.ACTIVE:
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


def attach_product_version(obj) -> ProductVersion:
    """Set ``obj.product_version`` (a line's or a loan's: a version that has lent) from the
    per-process cache: one plain-SQL look-up of the version's public id instead of loading the
    version and its product."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('public_id')} FROM {quote(ProductVersion._meta.db_table)}"
            f" WHERE {quote('id')} = %s",
            [obj.product_version_id],
        )
        (public_id,) = cursor.fetchone()
    obj.product_version = version = approved_version(public_id)
    return version
