"""Products API (mounted at ``/api/v1/products/``): versioned loan products, maker-checker.

Money is carried as yuan strings ("500.00"), rates as decimal strings ("0.0005"); see
``products.params`` for the wire form of the terms. Every version shows its APR range
(IRR method) next to the daily rates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.schemas import ErrorOut
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import BodyInt

from . import services
from .domain import apr_range
from .models import PRODUCT_CODE_MAX_LENGTH, Product, ProductVersion
from .params import terms_to_params
from .services import PERM_ADD, PERM_APPROVE, PERM_CHANGE, PERM_VIEW

router = Router(tags=["products"])

_SHORT = 40
_MONEY = 24
_RATE = 20


class TermsIn(Schema):
    """Changes to the terms; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    currency: str | None = Field(None, max_length=3)
    allowed_methods: list[str] | None = Field(None, max_length=8)
    allowed_terms: list[BodyInt] | None = Field(None, max_length=60)
    daily_rate_min: str | None = Field(None, max_length=_RATE, examples=["0.0002"])
    daily_rate_max: str | None = Field(None, max_length=_RATE, examples=["0.0005"])
    grade_rates: dict[str, str] | None = Field(None, max_length=26)
    day_count: BodyInt | None = None
    penalty_multiplier: str | None = Field(None, max_length=_RATE, examples=["1.5"])
    grace_days: BodyInt | None = None
    allocation_order: list[str] | None = Field(None, max_length=8)
    prepayment_fee_type: str | None = Field(None, max_length=_SHORT)
    prepayment_fee_value: str | None = Field(
        None, max_length=_MONEY, description="yuan for a flat fee, a fraction for a percentage"
    )
    prepayment_mode: str | None = Field(None, max_length=_SHORT)
    rounding: str | None = Field(None, max_length=_SHORT)
    min_drawdown: str | None = Field(None, max_length=_MONEY, examples=["500.00"])
    max_drawdown: str | None = Field(None, max_length=_MONEY, examples=["40000.00"])
    line_validity_months: BodyInt | None = None
    max_line_limit: str | None = Field(None, max_length=_MONEY, examples=["200000.00"])


class ProductIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=PRODUCT_CODE_MAX_LENGTH, examples=["WLD"])
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    params: TermsIn | None = Field(None, description="changes to the Weilidai-like defaults")


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=1000)


class TermsOut(Schema):
    currency: str
    allowed_methods: list[str]
    allowed_terms: list[int]
    daily_rate_min: str
    daily_rate_max: str
    grade_rates: dict[str, str]
    day_count: int
    penalty_multiplier: str
    grace_days: int
    allocation_order: list[str]
    prepayment_fee_type: str
    prepayment_fee_value: str
    prepayment_mode: str
    rounding: str
    min_drawdown: str
    max_drawdown: str
    line_validity_months: int
    max_line_limit: str


class VersionOut(Schema):
    id: str
    product_code: str
    version: int
    status: str
    apr_min: str = Field(description="APR (IRR) at the lowest rate, e.g. 0.0755 = 7.55 %")
    apr_max: str = Field(description="APR (IRR) at the highest rate: at most 0.24")
    maker: str
    checker: str | None
    reason: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    rejected_at: dt.datetime | None
    retired_at: dt.datetime | None
    terms: TermsOut


class ProductOut(Schema):
    id: str
    code: str
    name_zh: str
    name_en: str
    created_at: dt.datetime
    active_version: VersionOut | None


class VersionSummaryOut(Schema):
    id: str
    version: int
    status: str
    maker: str
    checker: str | None
    created_at: dt.datetime


class ProductDetailOut(ProductOut):
    versions: list[VersionSummaryOut]


def version_out(version: ProductVersion) -> dict[str, Any]:
    terms = version.terms()
    low, high = apr_range(terms)
    return {
        "id": version.public_id,
        "product_code": version.product.code,
        "version": version.version,
        "status": version.status,
        "apr_min": str(low),
        "apr_max": str(high),
        "maker": version.maker.get_username(),
        "checker": version.checker.get_username() if version.checker_id else None,
        "reason": version.reason,
        "created_at": version.created_at,
        "submitted_at": version.submitted_at,
        "approved_at": version.approved_at,
        "rejected_at": version.rejected_at,
        "retired_at": version.retired_at,
        "terms": terms_to_params(terms),
    }


def _product_out(product: Product) -> dict[str, Any]:
    active = product.active_versions[0] if product.active_versions else None
    return {
        "id": product.public_id,
        "code": product.code,
        "name_zh": product.name_zh,
        "name_en": product.name_en,
        "created_at": product.created_at,
        "active_version": version_out(active) if active else None,
    }


def _changes(payload: TermsIn | None) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True) if payload is not None else {}


_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
_CODE = Path(..., max_length=PRODUCT_CODE_MAX_LENGTH)
_VERSION_ID = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)


@router.get("/", auth=staff_auth(PERM_VIEW), response={200: list[ProductOut], **_REFUSALS})
def list_products(request):
    """Every product with its active version (null if none is active yet)."""
    return [_product_out(product) for product in services.list_products(actor=request.auth)]


@router.post("/", auth=staff_auth(PERM_ADD), response={201: ProductDetailOut, **_REFUSALS})
@idempotent
def create_product(request, payload: ProductIn):
    """Create a product and its draft v1 (maker)."""
    version = services.create_product(
        actor=request.auth,
        code=payload.code,
        names={"zh": payload.name_zh, "en": payload.name_en},
        params=_changes(payload.params),
    )
    product = services.get_product(actor=request.auth, code=version.product.code)
    return Status(201, _product_detail(product))


def _product_detail(product: Product) -> dict[str, Any]:
    return {
        **_product_out(product),
        "versions": [
            {
                "id": version.public_id,
                "version": version.version,
                "status": version.status,
                "maker": version.maker.get_username(),
                "checker": version.checker.get_username() if version.checker_id else None,
                "created_at": version.created_at,
            }
            for version in product.all_versions
        ],
    }


@router.get(
    "/versions/{version_id}",
    auth=staff_auth(PERM_VIEW),
    response={200: VersionOut, **_REFUSALS},
)
def get_version(request, version_id: str = _VERSION_ID):
    """One version with its terms and APR range."""
    return version_out(services.get_version(actor=request.auth, version_id=version_id))


@router.patch(
    "/versions/{version_id}",
    auth=staff_auth(PERM_CHANGE),
    response={200: VersionOut, **_REFUSALS},
)
def update_draft(request, payload: TermsIn, version_id: str = _VERSION_ID):
    """Change a draft's terms (its maker only)."""
    version = services.update_draft(
        actor=request.auth, version_id=version_id, params=_changes(payload)
    )
    return version_out(version)


@router.post(
    "/versions/{version_id}/submit",
    auth=staff_auth(PERM_CHANGE),
    response={200: VersionOut, **_REFUSALS},
)
def submit_version(request, version_id: str = _VERSION_ID):
    """Send a draft for approval (its maker only)."""
    return version_out(services.submit_version(actor=request.auth, version_id=version_id))


@router.post(
    "/versions/{version_id}/approve",
    auth=staff_auth(PERM_APPROVE),
    response={200: VersionOut, **_REFUSALS},
)
def approve_version(request, payload: DecisionIn, version_id: str = _VERSION_ID):
    """Approve a pending version (not its maker): it becomes active, the old one retires."""
    version = services.approve_version(
        actor=request.auth, version_id=version_id, reason=payload.reason
    )
    return version_out(version)


@router.post(
    "/versions/{version_id}/reject",
    auth=staff_auth(PERM_APPROVE),
    response={200: VersionOut, **_REFUSALS},
)
def reject_version(request, payload: DecisionIn, version_id: str = _VERSION_ID):
    """Reject a pending version with a reason (not its maker)."""
    version = services.reject_version(
        actor=request.auth, version_id=version_id, reason=payload.reason
    )
    return version_out(version)


@router.get("/{code}", auth=staff_auth(PERM_VIEW), response={200: ProductDetailOut, **_REFUSALS})
def get_product(request, code: str = _CODE):
    """One product with its active version and every version, newest first."""
    return _product_detail(services.get_product(actor=request.auth, code=code))


@router.post(
    "/{code}/versions",
    auth=staff_auth(PERM_ADD),
    response={201: VersionOut, **_REFUSALS},
)
@idempotent
def create_version(request, payload: TermsIn, code: str = _CODE):
    """A new draft version: the latest version's terms with these changes (maker)."""
    version = services.create_version(
        actor=request.auth, product_code=code, params=_changes(payload)
    )
    return Status(201, version_out(version))
