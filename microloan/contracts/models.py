"""Contract templates (versioned texts) and contracts (one per credit line, one per loan).

A contract row keeps the terms as they stood when the offer was made (``terms``, a JSON
snapshot), the exact PDF bytes shown to the borrower (file + SHA-256), the signing evidence
and the sealed PDF. Once signed it never changes and is never deleted: ``save`` and ``delete``
refuse (the E-Signature Law asks that any later change be detectable; here it is impossible
through the application, and detectable through the seal and the audit trail otherwise).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import Conflict
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.sql import PreparedInsert

CONTRACT_ID_PREFIX = "ctr"
TEMPLATE_ID_PREFIX = "ctt"


class Kind(models.TextChoices):
    LINE_AGREEMENT = "line_agreement", _("Credit line agreement")
    LOAN = "loan", _("Loan contract")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


def contract_immutable(contract_id: str) -> Conflict:
    return Conflict(
        _("A signed contract cannot be changed or deleted."),
        code="contract_immutable",
        fields={"contract_id": contract_id},
    )


class ContractTemplate(models.Model):
    """One version of a contract text for a kind and language. A version never changes once
    created (a correction is a new version); ``is_active`` marks the one new contracts use."""

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=50_000)
    note = models.CharField(_("note"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["kind", "language", "-version"]
        default_permissions = ("add", "change", "view")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "version"], name="contract_template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["kind", "language"],
                condition=models.Q(is_active=True),
                name="contract_template_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.language} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = ContractTemplate.objects.filter(pk=self.pk).values("title", "body").first()
            if stored and (stored["title"], stored["body"]) != (self.title, self.body):
                raise Conflict(
                    _("A template version cannot be edited; create a new version."),
                    code="template_version_immutable",
                )
        super().save(*args, **kwargs)


class ContractQuerySet(models.QuerySet):
    def delete(self):
        raise Conflict(_("Contracts are never deleted."), code="contract_immutable")


class Contract(PreparedInsert, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for signature")
        SIGNED = "signed", _("Signed")
        VOID = "void", _("Void")  # the loan was cancelled before signing

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    line_id = models.CharField(_("credit line"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    loan_id = models.CharField(_("loan"), max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    template = models.ForeignKey(ContractTemplate, on_delete=models.PROTECT, related_name="+")
    terms = models.JSONField(_("terms"))  # snapshot at offer time; what the PDF states
    business_date = models.DateField(_("business date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)

    # The unsigned PDF, rendered once (lazily) and never again: the bytes the borrower sees.
    pdf_file = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    # Signing evidence.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_ip = models.GenericIPAddressField(_("signing IP"), null=True, blank=True)
    signed_device_id = models.CharField(_("signing device"), max_length=128, blank=True)
    signed_user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    signed_sha256 = models.CharField(_("SHA-256 the borrower saw"), max_length=64, blank=True)

    # The platform's PAdES seal over the signed PDF.
    sealed_file = models.CharField(max_length=200, blank=True)
    sealed_sha256 = models.CharField(_("sealed PDF SHA-256"), max_length=64, blank=True)
    voided_reason = models.CharField(max_length=200, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("verify_contract", "Can verify an uploaded contract PDF")]
        constraints = [
            models.UniqueConstraint(
                fields=["line_id"],
                condition=models.Q(kind="line_agreement"),
                name="contract_one_agreement_per_line",
            ),
            models.UniqueConstraint(
                fields=["loan_id"],
                condition=models.Q(kind="loan"),
                name="contract_one_per_loan",
            ),
        ]
        indexes = [
            models.Index(fields=["loan_id"], name="contract_loan_id"),
            # End of day's look for loan offers that expired unsigned (services.expiry): the
            # pending ones only, a handful among every contract ever signed.
            models.Index(
                fields=["offer_expires_at"],
                condition=models.Q(status="pending", kind="loan"),
                name="contract_pending_offer_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Contract.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == Contract.Status.SIGNED:
                raise contract_immutable(self.public_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise contract_immutable(self.public_id)
