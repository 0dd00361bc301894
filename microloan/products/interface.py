"""What other apps may use of products: typed queries (frozen dataclasses and the pure
``ProductTerms``, never model instances) and commands (``products.services``). Products' tables
are private; import this module, not ``products.models``.
"""

from __future__ import annotations

# --- bounds-a ---
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import NotFound

from .domain import ProductTerms
from .models import Product, ProductVersion


@dataclass(frozen=True)
class OfferedProduct:
    """The version of a product on offer now (the active one), with its terms."""

    code: str
    version_id: str
    terms: ProductTerms


# Active versions already loaded by this process: (code, version public id, version's
# updated_at as stored) -> the offered product. Frozen values, so sharing them is safe.
_OFFERED: dict[tuple, OfferedProduct] = {}
_OFFERED_MAX = 32


def _active_version_marker(code: str) -> tuple | None:
    """(code, public id, updated_at) of the product's active version in one small plain-SQL
    query. Asked on every application (a newly approved version is seen at once, no TTL); the
    row's ``updated_at`` (``auto_now``) is in the key, so a version saved again is reloaded."""
    quote = connection.ops.quote_name
    versions = quote(ProductVersion._meta.db_table)
    products = quote(Product._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.{quote('public_id')}, v.{quote('updated_at')} FROM {versions} v"
            f" JOIN {products} p ON p.{quote('id')} = v.{quote('product_id')}"
            f" WHERE p.{quote('code')} = %s AND v.{quote('status')} = %s",
            [code, ProductVersion.Status.ACTIVE.value],
        )
        rows = cursor.fetchall()
    return (code, rows[0][0], str(rows[0][1])) if len(rows) == 1 else None


def offered_product(code: str) -> OfferedProduct | None:
    """Product ``code``'s active version and its terms, None if it has none (or no such
    product)."""
    marker = _active_version_marker(code)
    if marker is not None and marker in _OFFERED:
        return _OFFERED[marker]
    version = (
        ProductVersion.objects.select_related("product")
        .filter(product__code=code, status=ProductVersion.Status.ACTIVE)
        .first()
    )
    if version is None:
        return None
    found = OfferedProduct(version.product.code, version.public_id, version.terms())
    if marker is not None and marker[1] == version.public_id:
        if len(_OFFERED) >= _OFFERED_MAX:
            _OFFERED.clear()
        _OFFERED[marker] = found
    return found


def version_terms(version_id: str) -> ProductTerms:
    """The terms of product version ``version_id`` (404 ``product_version_not_found``)."""
    version = ProductVersion.objects.filter(public_id=str(version_id)[:60]).first()
    if version is None:
        raise NotFound(
            _("No such product version."),
            code="product_version_not_found",
            fields={"product_version_id": str(version_id)[:60]},
        )
    return version.terms()


# --- end bounds-a ---
