"""What other apps may use of products besides ``products.services``: the versions that
lend, looked up cheaply, and their terms."""

from __future__ import annotations

# --- bounds-b ---
from django.db import connection

from .domain import ProductTerms
from .models import ProductVersion

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


def version_terms(public_id: str) -> ProductTerms:
    """The terms of product version ``public_id``."""
    return ProductVersion.objects.get(public_id=public_id).terms()


# --- end bounds-b ---
