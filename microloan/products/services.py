"""Product use cases: versioned terms under maker-checker.

A product manager (maker) creates a product with a draft v1, or a new draft version copied
from the latest one, edits the draft and submits it; a second person with
``products.approve_productversion`` (checker) approves or rejects it. Approval re-checks every
rule, retires the active version and activates this one, in one transaction. Each change writes
its audit record inside that transaction.

Lock order: the product row first, then its versions, then the audit chain head.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    ValidationFailed,
)
from microloan.kernel.maker_checker import ConfigKind, MakerChecker
from microloan.kernel.text import clean_reason as kernel_clean_reason
from microloan.kernel.versions import staff_user_pk

from .domain import ProductTerms, default_weilidai_terms
from .models import PRODUCT_CODE_MAX_LENGTH, Product, ProductVersion
from .params import apply_params, check_product_terms, terms_to_params

PERM_VIEW = "products.view_productversion"
PERM_ADD = "products.add_productversion"
PERM_CHANGE = "products.change_productversion"
PERM_APPROVE = "products.approve_productversion"

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
NAME_MAX_LENGTH = 100
REASON_MAX_LENGTH = 1000

Status = ProductVersion.Status


# --- reads --------------------------------------------------------------------------------------


def _active_versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ProductVersion.objects.filter(status=Status.ACTIVE).select_related("maker"),
        to_attr="active_versions",
    )


def list_products(*, actor: Actor) -> QuerySet[Product]:
    """Every product, by code, each with ``active_versions`` (a list of 0 or 1 version)."""
    actor.require(PERM_VIEW)
    return Product.objects.prefetch_related(_active_versions()).order_by("code")


def get_product(*, actor: Actor, code: str) -> Product:
    """The product ``code`` with ``active_versions`` and ``all_versions`` (newest first)."""
    actor.require(PERM_VIEW)
    product = (
        Product.objects.filter(code=str(code)[:PRODUCT_CODE_MAX_LENGTH])
        .prefetch_related(
            _active_versions(),
            Prefetch(
                "versions",
                queryset=ProductVersion.objects.select_related("maker", "checker").order_by(
                    "-version"
                ),
                to_attr="all_versions",
            ),
        )
        .first()
    )
    if product is None:
        raise _product_not_found(code)
    return product


def get_version(*, actor: Actor, version_id: str) -> ProductVersion:
    actor.require(PERM_VIEW)
    return _version(version_id)


def active_version(*, code: str) -> ProductVersion:
    """The active version of product ``code`` (for lending: lines and drawdowns use it)."""
    version = (
        ProductVersion.objects.select_related("product")
        .filter(product__code=str(code)[:PRODUCT_CODE_MAX_LENGTH], status=Status.ACTIVE)
        .first()
    )
    if version is None:
        raise NotFound(
            _("The product has no active version."),
            code="no_active_version",
            fields={"product": str(code)[:PRODUCT_CODE_MAX_LENGTH]},
        )
    return version


def list_pending_versions(*, actor: Actor) -> QuerySet[ProductVersion]:
    """Versions waiting for a checker, oldest submission first."""
    actor.require(PERM_VIEW)
    return (
        ProductVersion.objects.filter(status=Status.PENDING_APPROVAL)
        .select_related("product", "maker")
        .order_by("submitted_at", "id")
    )


def _product_not_found(code: str) -> NotFound:
    return NotFound(
        _("No such product."), code="product_not_found", fields={"code": str(code)[:40]}
    )


def _version(version_id: str, *, lock: bool = False) -> ProductVersion:
    versions = ProductVersion.objects.select_related("product", "maker", "checker")
    if lock:
        versions = versions.select_for_update(of=("self",))
    version = versions.filter(public_id=str(version_id)[:60]).first()
    if version is None:
        raise NotFound(
            _("No such product version."),
            code="version_not_found",
            fields={"version_id": str(version_id)[:60]},
        )
    return version


# --- helpers ------------------------------------------------------------------------------------


def _staff_user_pk(actor: Actor) -> int:
    """Maker and checker are people: the staff user's primary key."""
    return staff_user_pk(actor)


_clean_reason = partial(kernel_clean_reason, max_length=REASON_MAX_LENGTH)


def _clean_names(names: Mapping[str, Any]) -> tuple[str, str]:
    problems = {}
    cleaned = {}
    for language in ("zh", "en"):
        value = names.get(language) if isinstance(names, Mapping) else None
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            problems[f"name_{language}"] = _("This field is required.")
        elif len(value) > NAME_MAX_LENGTH:
            problems[f"name_{language}"] = _("At most 100 characters.")
        cleaned[language] = value
    if problems:
        raise ValidationFailed(code="invalid_name", fields=problems)
    return cleaned["zh"], cleaned["en"]


def _terms_from(base: ProductTerms, params: Mapping[str, Any] | None) -> ProductTerms:
    terms = apply_params(base, params or {})
    check_product_terms(terms)
    return terms


def version_snapshot(version: ProductVersion) -> dict[str, Any]:
    """What the audit trail keeps of a version: status, people and terms in wire form."""
    return {
        "product": version.product.code,
        "version": version.version,
        "status": version.status,
        "maker": version.maker.get_username() if version.maker_id else None,
        "checker": version.checker.get_username() if version.checker_id else None,
        "reason": version.reason,
        "terms": terms_to_params(version.terms()),
    }


def _require_status(version: ProductVersion, status: str, code: str) -> None:
    if version.status != status:
        raise Conflict(
            _("The version is %(status)s; this needs it to be %(needed)s.")
            % {"status": version.get_status_display(), "needed": Status(status).label},
            code=code,
            fields={"status": version.status},
        )


# --- changes ------------------------------------------------------------------------------------


def create_product(
    *,
    actor: Actor,
    code: str,
    names: Mapping[str, str],
    params: Mapping[str, Any] | None = None,
) -> ProductVersion:
    """A new product with a draft v1: ``params`` (wire form) over ``default_weilidai_terms()``.

    ``names`` holds "zh" and "en". Returns the draft version (``.product`` is the product).
    """
    actor.require(PERM_ADD)
    maker_pk = _staff_user_pk(actor)
    code = code.strip() if isinstance(code, str) else ""
    if not CODE_PATTERN.match(code):
        raise ValidationFailed(
            code="invalid_product_code",
            fields={"code": _("2–16 capital letters, digits or _, starting with a letter.")},
        )
    name_zh, name_en = _clean_names(names)
    terms = _terms_from(default_weilidai_terms(), params)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin fails here, cleanly
                product = Product.objects.create(code=code, name_zh=name_zh, name_en=name_en)
        except IntegrityError:
            raise Conflict(
                _("A product with this code exists."),
                code="product_code_taken",
                fields={"code": code},
            ) from None
        version = ProductVersion(product=product, version=1, maker_id=maker_pk)
        version.set_terms(terms)
        version.save()
        record_audit(
            actor=actor,
            action="product.created",
            object_type="product",
            object_id=product.public_id,
            after={
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "version_id": version.public_id,
                **version_snapshot(version),
            },
        )
    return version


def create_version(
    *, actor: Actor, product_code: str, params: Mapping[str, Any] | None = None
) -> ProductVersion:
    """A new draft version: the product's latest version's terms with ``params`` applied."""
    actor.require(PERM_ADD)
    maker_pk = _staff_user_pk(actor)
    with transaction.atomic():
        product = (
            Product.objects.select_for_update()
            .filter(code=str(product_code)[:PRODUCT_CODE_MAX_LENGTH])
            .first()
        )
        if product is None:
            raise _product_not_found(product_code)
        latest = product.versions.order_by("-version").first()
        terms = _terms_from(latest.terms() if latest else default_weilidai_terms(), params)
        version = ProductVersion(
            product=product, version=(latest.version + 1 if latest else 1), maker_id=maker_pk
        )
        version.set_terms(terms)
        version.save()
        record_audit(
            actor=actor,
            action="product.version_created",
            object_type="product_version",
            object_id=version.public_id,
            before={"copied_from": latest.public_id} if latest else None,
            after=version_snapshot(version),
        )
    return version


def update_draft(*, actor: Actor, version_id: str, params: Mapping[str, Any]) -> ProductVersion:
    """Change a draft's terms (wire-form ``params``); only drafts change, and only by the maker."""
    actor.require(PERM_CHANGE)
    user_pk = _staff_user_pk(actor)
    with transaction.atomic():
        version = _version(version_id, lock=True)
        _require_status(version, Status.DRAFT, "version_not_draft")
        _require_maker(version, user_pk)
        before = version_snapshot(version)
        version.set_terms(_terms_from(version.terms(), params))
        version.save()
        record_audit(
            actor=actor,
            action="product.version_updated",
            object_type="product_version",
            object_id=version.public_id,
            before=before,
            after=version_snapshot(version),
        )
    return version


def _require_maker(version: ProductVersion, user_pk: int) -> None:
    if version.maker_id != user_pk:
        raise BusinessRuleViolation(
            _("Only the maker of this version can change or submit it."),
            code="not_the_maker",
            fields={"version_id": version.public_id},
        )


def submit_version(*, actor: Actor, version_id: str) -> ProductVersion:
    """Draft → pending approval, by its maker, once its terms pass every rule."""
    actor.require(PERM_CHANGE)
    user_pk = _staff_user_pk(actor)
    with transaction.atomic():
        version = _version(version_id, lock=True)
        _require_status(version, Status.DRAFT, "version_not_draft")
        _require_maker(version, user_pk)
        check_product_terms(version.terms())
        before = version_snapshot(version)
        version.status = Status.PENDING_APPROVAL
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "submitted_at", "updated_at"])
        record_audit(
            actor=actor,
            action="product.version_submitted",
            object_type="product_version",
            object_id=version.public_id,
            before={"status": before["status"]},
            after={"status": version.status},
        )
    return version


class _ProductVersions(MakerChecker[ProductVersion]):
    """The checker's side of product versions, shared with every versioned configuration
    (``kernel.maker_checker``): approve (retiring the product's active version) or reject a
    version pending approval. The maker's side stays here: the terms are columns, versions
    are numbered per product, and a draft is edited and submitted before anyone checks it."""

    activated_field = "approved_at"
    touched_fields = ("updated_at",)
    ACTIONS = {
        "activated": "product.version_approved",
        "retired": "product.version_retired",
        "rejected": "product.version_rejected",
    }

    def action(self, step: str) -> str:
        return self.ACTIONS[step]

    def row(self, version_id: str, *, lock: bool = False) -> ProductVersion:
        return _version(version_id, lock=lock)

    def snapshot(self, version: ProductVersion) -> dict[str, Any]:
        return version_snapshot(version)

    def lock_active(self, version_id: str) -> ProductVersion | None:
        """The product row first (one approval per product at a time), then its active
        version."""
        product_id = _version(version_id).product_id
        Product.objects.select_for_update().get(pk=product_id)
        return (
            ProductVersion.objects.select_for_update()
            .filter(product_id=product_id, status=Status.ACTIVE)
            .first()
        )

    def check_activatable(self, version: ProductVersion) -> None:
        _require_status(version, Status.PENDING_APPROVAL, "version_not_pending")

    def check_rejectable(self, version: ProductVersion) -> None:
        _require_status(version, Status.PENDING_APPROVAL, "version_not_pending")

    def check_payload(self, version: ProductVersion) -> None:
        check_product_terms(version.terms())

    def audit_before(self, version: ProductVersion) -> dict[str, Any]:
        return version_snapshot(version)

    def audit_after(
        self, version: ProductVersion, previous: ProductVersion | None
    ) -> dict[str, Any]:
        return {**version_snapshot(version), "replaces": previous.public_id if previous else None}

    def clean_reason(self, reason: Any, *, required: bool) -> str:
        return _clean_reason(reason, required=required)


VERSIONS = _ProductVersions(
    ProductVersion,
    ConfigKind(
        audit_type="product",
        object_type="product_version",
        view_perm=PERM_VIEW,
        add_perm=PERM_ADD,
        approve_perm=PERM_APPROVE,
        id_field="version_id",
        not_found=("version_not_found", _("No such product version.")),
        no_active=("no_active_version", _("The product has no active version.")),
        not_draft=("version_not_pending", _("The version is not pending approval.")),
        version_taken="version_taken",
    ),
    bootstrap_actor=Actor.system("products"),
)


def approve_version(*, actor: Actor, version_id: str, reason: str = "") -> ProductVersion:
    """Pending → active by a checker other than the maker, after re-checking every rule; the
    product's previously active version is retired in the same transaction."""
    return VERSIONS.activate(actor=actor, version_id=version_id, reason=reason)


def reject_version(*, actor: Actor, version_id: str, reason: str) -> ProductVersion:
    """Pending → rejected by a checker other than the maker, with a reason."""
    return VERSIONS.reject(actor=actor, version_id=version_id, reason=reason)
