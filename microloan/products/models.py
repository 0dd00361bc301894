"""Loan products and their versions.

A product (``WLD``) has numbered versions; each version holds the full parameter set and goes
draft → pending_approval → active → retired (or → rejected), maker-checker. At most one
version per product is active; loans and lines keep the version they were made under.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH, new_public_id

from .domain import ProductTerms

PRODUCT_CODE_MAX_LENGTH = 16


def _plain(value) -> Decimal:
    """A stored decimal without its padding zeros, never in exponent form ("0.0005", "2")."""
    number = Decimal(value)
    return (
        number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    )


def new_product_id() -> str:
    return new_public_id("prod")


def new_version_id() -> str:
    return new_public_id("pv")


class Product(models.Model):
    public_id = models.CharField(
        max_length=PUBLIC_ID_MAX_LENGTH, unique=True, default=new_product_id, editable=False
    )
    code = models.CharField(_("code"), max_length=PRODUCT_CODE_MAX_LENGTH, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        # Products change only through their versions' permissions; nothing is ever deleted.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.code


class ProductVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected")

    public_id = models.CharField(
        max_length=PUBLIC_ID_MAX_LENGTH, unique=True, default=new_version_id, editable=False
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("maker"),
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checker"),
    )
    reason = models.TextField(_("decision reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    # Parameters (see products.domain.ProductTerms for units and meaning).
    currency = models.CharField(max_length=3, default="CNY")
    allowed_methods = models.JSONField(default=list)
    allowed_terms = models.JSONField(default=list)
    daily_rate_min = models.DecimalField(max_digits=12, decimal_places=8)
    daily_rate_max = models.DecimalField(max_digits=12, decimal_places=8)
    grade_rates = models.JSONField(default=dict, blank=True)  # {"A": "0.0002", …}
    day_count = models.PositiveSmallIntegerField(default=360)
    penalty_multiplier = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1.5"))
    grace_days = models.PositiveSmallIntegerField(default=1)
    allocation_order = models.JSONField(default=list)
    prepayment_fee_type = models.CharField(max_length=8, default="none")
    # flat: fen; percent: fraction of the principal prepaid
    prepayment_fee_value = models.DecimalField(max_digits=20, decimal_places=8, default=0)
    prepayment_mode = models.CharField(max_length=20, default="lower_instalment")
    rounding = models.CharField(max_length=12, default="half_up")
    min_drawdown = models.BigIntegerField()
    max_drawdown = models.BigIntegerField()
    line_validity_months = models.PositiveSmallIntegerField(default=12)
    max_line_limit = models.BigIntegerField()

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product_id", "-version"]
        default_permissions = ("add", "change", "view")  # versions are retired, never deleted
        permissions = [("approve_productversion", "Can approve a product version")]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="product_version_number"),
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status="active"),
                name="product_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} v{self.version}"

    def terms(self) -> ProductTerms:
        """The parameters as the pure ``ProductTerms`` lending works with."""
        return ProductTerms(
            currency=self.currency,
            allowed_methods=tuple(self.allowed_methods),
            allowed_terms=tuple(self.allowed_terms),
            daily_rate_min=_plain(self.daily_rate_min),
            daily_rate_max=_plain(self.daily_rate_max),
            grade_rates={grade: _plain(rate) for grade, rate in self.grade_rates.items()},
            day_count=self.day_count,
            penalty_multiplier=_plain(self.penalty_multiplier),
            grace_days=self.grace_days,
            allocation_order=tuple(self.allocation_order),
            prepayment_fee_type=self.prepayment_fee_type,
            prepayment_fee_value=_plain(self.prepayment_fee_value),
            prepayment_mode=self.prepayment_mode,
            rounding=self.rounding,
            min_drawdown=self.min_drawdown,
            max_drawdown=self.max_drawdown,
            line_validity_months=self.line_validity_months,
            max_line_limit=self.max_line_limit,
        )

    def set_terms(self, terms: ProductTerms) -> None:
        """Copy ``terms`` (already validated) onto the row's parameter columns."""
        self.currency = terms.currency
        self.allowed_methods = list(terms.allowed_methods)
        self.allowed_terms = list(terms.allowed_terms)
        self.daily_rate_min = terms.daily_rate_min
        self.daily_rate_max = terms.daily_rate_max
        self.grade_rates = {grade: str(rate) for grade, rate in sorted(terms.grade_rates.items())}
        self.day_count = terms.day_count
        self.penalty_multiplier = terms.penalty_multiplier
        self.grace_days = terms.grace_days
        self.allocation_order = list(terms.allocation_order)
        self.prepayment_fee_type = terms.prepayment_fee_type
        self.prepayment_fee_value = terms.prepayment_fee_value
        self.prepayment_mode = terms.prepayment_mode
        self.rounding = terms.rounding
        self.min_drawdown = terms.min_drawdown
        self.max_drawdown = terms.max_drawdown
        self.line_validity_months = terms.line_validity_months
        self.max_line_limit = terms.max_line_limit
