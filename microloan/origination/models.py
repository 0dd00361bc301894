"""Credit-line applications, their audited state transitions, and versioned admission policies.

An application refers to its customer by public id (``customer_id``, as lending does) and to
the product version by public id. Personal data never lands here in clear: the applicant's
identity stays encrypted on the customer; the application keeps only the declared, non-
identifying facts it was decided on (income, employment, education, marital status).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH, new_public_id
from microloan.kernel.sql import PreparedInsert
from microloan.kernel.versions import ConfigStatus, VersionedThresholds

APPLICATION_ID_PREFIX = "app"
POLICY_ID_PREFIX = "adm"
REASON_MAX_LENGTH = 500
RATE_DIGITS, RATE_PLACES = 12, 8


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHECKS_RUNNING = "checks_running", _("Checks running")
    RETURNED = "returned", _("Returned for correction")
    INITIAL_REVIEW = "initial_review", _("Initial review")
    FINAL_REVIEW = "final_review", _("Final review")
    AUTO_APPROVED = "auto_approved", _("Approved automatically")
    AUTO_REJECTED = "auto_rejected", _("Rejected automatically")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


# A customer has at most one of these at a time (a partial unique index enforces it).
OPEN_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.CHECKS_RUNNING,
    ApplicationState.RETURNED,
    ApplicationState.INITIAL_REVIEW,
    ApplicationState.FINAL_REVIEW,
)
REVIEW_STATES = (ApplicationState.INITIAL_REVIEW, ApplicationState.FINAL_REVIEW)
APPROVED_STATES = (ApplicationState.AUTO_APPROVED, ApplicationState.APPROVED)
REJECTED_STATES = (ApplicationState.AUTO_REJECTED, ApplicationState.REJECTED)


class LoanPurpose(models.TextChoices):
    CONSUMPTION = "consumption", _("Everyday consumption")
    HOME_IMPROVEMENT = "home_improvement", _("Home improvement")
    EDUCATION = "education", _("Education")
    TRAVEL = "travel", _("Travel")
    MEDICAL = "medical", _("Medical expenses")
    OTHER = "other", _("Other")


class Application(PreparedInsert, models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH)
    product_code = models.CharField(_("product"), max_length=16)
    product_version = models.CharField(_("product version"), max_length=PUBLIC_ID_MAX_LENGTH)
    requested_amount = models.BigIntegerField(_("requested limit (fen)"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=LoanPurpose.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, db_index=True
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    # Declared facts the decision used (no identifying data): income fen, employment, etc.
    applicant = models.JSONField(_("declared data"), default=dict)
    admission = models.JSONField(_("admission result"), default=dict)
    checks = models.JSONField(_("risk checks"), default=dict)  # RiskAssessment.as_dict()
    decision_reasons = models.JSONField(_("decision reasons"), default=list)
    return_fields = models.JSONField(_("fields to correct"), default=dict)
    risk_level = models.CharField(_("risk level"), max_length=8, blank=True)
    grade = models.CharField(_("grade"), max_length=4, blank=True)
    proposed_limit = models.BigIntegerField(_("proposed limit (fen)"), null=True, blank=True)
    granted_limit = models.BigIntegerField(_("granted limit (fen)"), null=True, blank=True)
    daily_rate = models.DecimalField(
        _("daily rate"), max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, null=True
    )
    apr = models.DecimalField(_("APR"), max_digits=8, decimal_places=4, null=True)
    term_options = models.JSONField(_("term options"), default=list)
    line_id = models.CharField(_("credit line"), max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    device_id = models.CharField(_("device id"), max_length=128, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    submitted_by = models.CharField(_("submitted by"), max_length=170, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    submitted_on = models.DateField(_("business date submitted"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("review due by"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=150, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    initial_reviewer = models.CharField(_("initial reviewer"), max_length=150, blank=True)
    initial_reason = models.CharField(
        _("initial review reason"), max_length=REASON_MAX_LENGTH, blank=True
    )
    initial_reviewed_at = models.DateTimeField(null=True, blank=True)
    final_reviewer = models.CharField(_("final reviewer"), max_length=150, blank=True)
    final_reason = models.CharField(
        _("final review reason"), max_length=REASON_MAX_LENGTH, blank=True
    )
    final_reviewed_at = models.DateTimeField(null=True, blank=True)
    policy_version = models.PositiveIntegerField(_("admission policy version"), null=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        permissions = [
            ("review_initial_application", "Can decide the initial review of an application"),
            ("review_final_application", "Can decide the final review of an application"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id"],
                condition=models.Q(state__in=[s.value for s in OPEN_STATES]),
                name="origination_one_open_application",
            ),
        ]
        indexes = [
            models.Index(fields=["customer_id", "submitted_at"], name="orig_app_customer"),
            models.Index(fields=["state", "submitted_at"], name="orig_app_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.state})"

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id(APPLICATION_ID_PREFIX)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ApplicationTransition(models.Model):
    """One state change of an application: from, to, who, why, when. Append-only."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.CharField(_("actor"), max_length=170)
    reasons = models.JSONField(_("reasons"), default=list)
    note = models.CharField(_("note"), max_length=REASON_MAX_LENGTH, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("application transition")
        ordering = ["at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


PolicyStatus = ConfigStatus  # an admission policy is a draft, active or retired


class AdmissionPolicy(VersionedThresholds):
    """The admission thresholds (``admission.AdmissionThresholds``); one version active."""

    ID_PREFIX = POLICY_ID_PREFIX

    class Meta:
        verbose_name = _("admission policy")
        verbose_name_plural = _("admission policies")
        permissions = [("approve_admissionpolicy", "Can approve (activate) an admission policy")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="origination_policy_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"admission policy v{self.version} ({self.status})"
