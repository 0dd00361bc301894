"""What other apps may use of products besides ``products.services``: the versions that
lend, looked up cheaply, and their terms."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import NotFound

from .domain import ProductTerms
from .models import Product, ProductVersion

# --- for risk, collections, notifications and the demo ---
ACTIVE = ProductVersion.Status.ACTIVE.value

# Only a draft's terms change (products.services); a version that may lend is approved, so
# its terms and product stay as loaded. Kept per process by public id (random, never reused,
# unlike a primary key after a rollback); the status, which does change, is read from the
# database by ``version_status``.
_APPROVED_VERSIONS: dict[str, ProductVersion] = {}
_APPROVED_VERSIONS_MAX = 64


def approved_version(public_id: str) -> ProductVersion:
    """Product version ``public_id`` with its product, read once per process: for a version
    that has lent (its terms are frozen). Lending keeps it as its lines' and loans' related
    object; treat it as read-only (its ``status`` may be stale)."""
    version = _APPROVED_VERSIONS.get(public_id)
    if version is None:
        version = ProductVersion.objects.select_related("product").get(public_id=public_id)
        if version.status != ProductVersion.Status.DRAFT:
            if len(_APPROVED_VERSIONS) >= _APPROVED_VERSIONS_MAX:
                _APPROVED_VERSIONS.clear()
            _APPROVED_VERSIONS[public_id] = version
    return version


def _one_value(column: str, key: str, value) -> str | None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # plain SQL: every line opening and loan load asks
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(ProductVersion._meta.db_table)}"
            f" WHERE {quote(key)} = %s",
            [value],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def version_status(public_id: str) -> str | None:
    """The status of product version ``public_id`` now (None if there is no such version)."""
    return _one_value("status", "public_id", public_id)


def version_public_id(pk: int) -> str:
    """The public id of the product version with primary key ``pk`` (it must exist)."""
    public_id = _one_value("public_id", "id", pk)
    if public_id is None:
        raise ProductVersion.DoesNotExist(pk)
    return public_id


# --- for origination, contracts, payments, reports and the back office ---
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
