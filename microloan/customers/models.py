"""Customers (borrowers), their consents, and the log of every reveal of their personal data.

Name, ID number, phone, bank card and address are encrypted per field (``fields.py``); ID
number, phone and card also keep a blind index for equality look-ups.

Birth date and gender are stored in the clear although the ID number encodes them: admission
(age range on the business date) and risk (age bands, portfolio statistics) select and group on
them across many rows, which an encrypted column cannot do. On their own they do not identify
anyone (many people share a birthday) and the ID number stays unknown without its region and
sequence digits, which only its ciphertext holds. One caution follows: the masked ID on screens
shows the region's first digits and the sequence digits, so a screen must not show the birth
date next to it (it would rebuild nearly the whole number); screens and the API show the age.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.sql import PreparedInsert

from .crypto import BLIND_INDEX_LENGTH
from .fields import BlindIndexField, EncryptedTextField
from .validation import (
    CONSENT_PURPOSE_CHOICES,
    EDUCATION_CHOICES,
    GENDER_CHOICES,
    LANGUAGE_CHOICES,
    MARITAL_STATUS_CHOICES,
)

PUBLIC_ID_PREFIX = "cus"
CONSENT_ID_PREFIX = "cns"


class AppendOnlyViolation(Exception):
    """Code tried to change or remove a personal-data access record. Always a bug."""


class PersonalDataAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation("personal data access records cannot be changed")

    def delete(self):
        raise AppendOnlyViolation("personal data access records cannot be deleted")


# Where customers come from, as staff read it (the field holds the partner's code).
CHANNEL_LABELS = {
    "app": _("App"),
    "wechat": _("WeChat"),
    "partner_shop": _("Partner shop"),
}


class Customer(PreparedInsert, models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("resident ID number"))
    id_number_index = BlindIndexField(source="id_number", kind="id_number", unique=True)
    phone = EncryptedTextField(_("mobile phone"))
    phone_index = BlindIndexField(source="phone", kind="phone", db_index=True)
    bank_card_number = EncryptedTextField(_("bank card number"))
    bank_card_index = BlindIndexField(source="bank_card_number", kind="card", db_index=True)
    bank_name = models.CharField(_("bank"), max_length=64)
    address = EncryptedTextField(_("address"))
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    years_employed = models.PositiveSmallIntegerField(_("years employed"), null=True, blank=True)
    monthly_income = models.BigIntegerField(_("monthly income (fen)"))
    education = models.CharField(_("education"), max_length=32, choices=EDUCATION_CHOICES)
    marital_status = models.CharField(
        _("marital status"), max_length=16, choices=MARITAL_STATUS_CHOICES
    )
    device_id = models.CharField(_("device id"), max_length=128, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=32, db_index=True)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=8, choices=GENDER_CHOICES)
    # None: the ID card is valid for life (长期).
    id_expiry = models.DateField(_("ID card expiry"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=LANGUAGE_CHOICES, default="zh-hans"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        # Customers are not deleted here: erasure under retention rules is its own process.
        default_permissions = ("add", "change", "view")
        permissions = [
            ("reveal_personal_data", "Can reveal a customer's unmasked personal data"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0), name="customer_income_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            # An index is recomputed whenever its source is saved, so it can never go stale.
            update_fields = set(update_fields)
            update_fields |= {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, BlindIndexField) and f.source in update_fields
            }
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def channel_label(self) -> str:
        """The channel in words (an unknown channel code is shown as it is)."""
        return str(CHANNEL_LABELS.get(self.channel, self.channel))


class Consent(PreparedInsert, models.Model):
    """One consent given for one purpose under one version of its text, until withdrawn."""

    class EndReason(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded by a newer text")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=40, choices=CONSENT_PURPOSE_CHOICES)
    text_version = models.CharField(_("text version"), max_length=32)
    granted_at = models.DateTimeField(_("granted at"))
    withdrawn_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=16, choices=EndReason.choices, blank=True
    )
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-id"]
        default_permissions = ("add", "change", "view")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.purpose} v{self.text_version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class PersonalDataAccess(models.Model):
    """One reveal of a customer's unmasked personal data: who, which field, why, when.

    Append-only: records are written by ``services.reveal_field`` and never changed.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="data_accesses")
    field = models.CharField(_("field"), max_length=32)
    reason = models.CharField(_("reason"), max_length=500)
    actor_kind = models.CharField(_("actor kind"), max_length=16)
    actor_id = models.CharField(_("actor"), max_length=150, db_index=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.actor_id} revealed {self.field} of {self.customer_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("personal data access records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("personal data access records cannot be deleted")


class PhoneCodePurpose(models.TextChoices):
    REGISTER = "register", _("registration")
    SIGN_IN = "sign_in", _("sign-in")
    CHANGE_PHONE = "change_phone", _("phone change")


class PhoneCode(models.Model):
    """The live one-time code sent to a phone for one purpose (one row per phone and purpose).

    The phone is kept only as its blind index and the code only as an HMAC under a key outside
    the database, so a copy of the table gives neither. ``sends`` counts the codes sent since
    ``window_started_at`` (the per-phone limit); ``tries`` the wrong answers to this code.
    """

    purpose = models.CharField(max_length=16, choices=PhoneCodePurpose.choices)
    phone_index = models.CharField(max_length=BLIND_INDEX_LENGTH)
    code_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    sends = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["purpose", "phone_index"], name="phonecode_key")
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.phone_index[:12]}…"


class RequestThrottle(models.Model):
    """Requests counted per (scope, key) in a fixed window, e.g. codes asked from one address."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=BLIND_INDEX_LENGTH)
    window_started_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("request throttle")
        verbose_name_plural = _("request throttles")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="requestthrottle_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
