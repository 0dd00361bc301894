"""Risk persistence: identity check results, application events (the velocity data), the
blacklist, versioned fraud / decision rule sets and versioned scorecards.

Personal data never appears here in clear: ID numbers, phones and cards are the customers
app's keyed blind indexes (``microloan.customers.crypto.blind_index``), names a keyed digest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH, new_public_id
from microloan.kernel.sql import PreparedInsert
from microloan.kernel.versions import ConfigStatus, VersionedConfig, VersionedThresholds

SUBJECT_MAX_LENGTH = 60
HASH_MAX_LENGTH = 128
REASON_MAX_LENGTH = 500


class IdentityCheck(PreparedInsert, models.Model):
    """One answer of an identity provider about one application (or other subject)."""

    class Kind(models.TextChoices):
        ID_VERIFICATION = "id_verification", _("ID verification")
        FACE_MATCH = "face_match", _("Face match")

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        REVIEW = "review", _("Needs review")
        ERROR = "error", _("Provider error")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=4, null=True)
    reason_codes = models.JSONField(_("reason codes"), default=list)
    raw_response = models.JSONField(_("raw response"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity check")
        indexes = [models.Index(fields=["subject", "created_at"], name="risk_idcheck_subject")]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} ({self.subject})"

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id("idc")
        super().save(*args, **kwargs)


class ApplicationEvent(PreparedInsert, models.Model):
    """An application seen by risk, keyed for the velocity and sharing look-ups."""

    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, unique=True)
    customer_ref = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    name_hash = models.CharField(max_length=HASH_MAX_LENGTH, blank=True)
    id_hash = models.CharField(max_length=HASH_MAX_LENGTH, blank=True)
    phone_hash = models.CharField(max_length=HASH_MAX_LENGTH, blank=True)
    card_hash = models.CharField(max_length=HASH_MAX_LENGTH, blank=True)
    device_id = models.CharField(_("device id"), max_length=128, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("application event")
        # One index per look-up key, each with the time for the window range scans.
        indexes = [
            models.Index(fields=["id_hash", "at"], name="risk_event_id_at"),
            models.Index(fields=["phone_hash", "at"], name="risk_event_phone_at"),
            models.Index(fields=["card_hash", "at"], name="risk_event_card_at"),
            models.Index(fields=["device_id", "at"], name="risk_event_device_at"),
            models.Index(fields=["ip", "at"], name="risk_event_ip_at"),
        ]

    def __str__(self) -> str:
        return f"application {self.subject} at {self.at:%Y-%m-%d %H:%M}"


class BlacklistEntry(models.Model):
    class Kind(models.TextChoices):
        ID = "id", _("ID number")
        PHONE = "phone", _("Phone")
        CARD = "card", _("Bank card")
        DEVICE = "device", _("Device")
        IP = "ip", _("IP address")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual entry")
        FRAUD_INVESTIGATION = "fraud_investigation", _("Fraud investigation")
        COLLECTIONS = "collections", _("Collections")
        EXTERNAL_LIST = "external_list", _("External list")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The blind index for ID, phone and card; the normalised value for a device or an IP.
    value_hash = models.CharField(_("value"), max_length=HASH_MAX_LENGTH)
    value_hint = models.CharField(_("masked value"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        constraints = [
            # One live entry per value: a duplicate add is refused (409), even by a twin request.
            models.UniqueConstraint(
                fields=["kind", "value_hash"],
                condition=models.Q(removed_at__isnull=True),
                name="risk_blacklist_one_live_entry",
            )
        ]
        indexes = [models.Index(fields=["kind", "value_hash"], name="risk_blacklist_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value_hint}"

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id("bl")
        super().save(*args, **kwargs)

    def is_in_force(self, at) -> bool:
        return self.removed_at is None and (self.expires_at is None or self.expires_at > at)


VersionStatus = ConfigStatus  # draft (a proposed rule set), inactive (a registered scorecard), …


class RuleSet(VersionedThresholds):
    """Fraud rule parameters, decision cut-offs and risk levels; one version active at a time."""

    ID_PREFIX = "rs"

    class Meta:
        verbose_name = _("rule set")
        permissions = [("approve_ruleset", "Can approve (activate) a risk rule set")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="risk_ruleset_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"rule set v{self.version} ({self.status})"


class Scorecard(VersionedConfig):
    """A credit scorecard artifact (``microloan.risk.scorecard``); one version active."""

    ID_PREFIX = "sc"

    class Source(models.TextChoices):
        EXPERT = "expert", _("Expert")
        TRAINED = "trained", _("Trained")
        UPLOADED = "uploaded", _("Uploaded")

    name = models.CharField(_("name"), max_length=64)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ConfigStatus.choices, default=ConfigStatus.INACTIVE
    )
    artifact = models.JSONField(_("artifact"))
    metrics = models.JSONField(_("metrics"), default=dict)

    class Meta:
        verbose_name = _("scorecard")
        permissions = [("approve_scorecard", "Can approve (activate) a credit scorecard")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="risk_scorecard_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"scorecard v{self.version} {self.name} ({self.status})"


# --- post-loan checks and early warning (risk.postloan) -----------------------------------------


class EarlyWarningPolicy(VersionedThresholds):
    """The thresholds post-loan checks decide by (risk.postloan.rules.EarlyWarningThresholds);
    versioned so every check says which version judged it. Maker-checker as every versioned
    configuration (``kernel.maker_checker``)."""

    ID_PREFIX = "ewp"

    status = models.CharField(
        _("status"), max_length=10, choices=ConfigStatus.choices, default=ConfigStatus.ACTIVE
    )
    created_by = models.CharField(max_length=160, blank=True)

    class Meta:
        verbose_name = _("early-warning policy")
        verbose_name_plural = _("early-warning policies")
        permissions = [
            ("approve_earlywarningpolicy", "Can approve (activate) an early-warning policy")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="risk_ewpolicy_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"early-warning policy v{self.version} ({self.status})"


class PostLoanCheck(models.Model):
    """One post-loan check of one credit line: the facts it read, the behaviour score, the
    early-warning signals and the decision. Batch checks are unique per (line, date)."""

    class Trigger(models.TextChoices):
        MONTHLY = "monthly", _("Monthly check")
        OVERDUE_OTHER_LINE = "overdue_other_line", _("Overdue on another line")
        BLACKLIST_HIT = "blacklist_hit", _("New blacklist hit")
        ID_EXPIRY = "id_expiry", _("ID card expiring")
        ON_DEMAND = "on_demand", _("On demand")

    class Decision(models.TextChoices):
        NONE = "none", _("No action")
        REDUCE = "reduce", _("Reduce the limit")
        FREEZE = "freeze", _("Freeze the line")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    line = models.ForeignKey(
        "lending.CreditLine", on_delete=models.PROTECT, related_name="postloan_checks"
    )
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    business_date = models.DateField(_("business date"))
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    triggers = models.JSONField(default=list)  # every reason the line was checked that day
    policy_version = models.PositiveIntegerField(_("policy version"))
    score = models.IntegerField(_("behaviour score"))
    score_points = models.JSONField(default=dict)  # characteristic -> points
    facts = models.JSONField(default=dict)  # what the score and the signals were computed from
    # The signals, as columns so "was it already flagged" is a cheap indexed query.
    minimum_payments = models.BooleanField(_("repeated minimum payments"), default=False)
    rising_utilisation = models.BooleanField(_("rising utilisation"), default=False)
    overdue_other_line = models.BooleanField(_("overdue on another line"), default=False)
    blacklist_hit = models.BooleanField(_("blacklist hit"), default=False)
    id_expiring = models.BooleanField(_("ID expiring or expired"), default=False)
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision.choices, default=Decision.NONE
    )
    reasons = models.JSONField(default=list)  # stable reason codes of the decision
    limit_before = models.BigIntegerField(_("limit before (fen)"))
    proposed_limit = models.BigIntegerField(_("proposed limit (fen)"), null=True)
    requested_by = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("post-loan check")
        verbose_name_plural = _("post-loan checks")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "business_date"],
                condition=~models.Q(trigger="on_demand"),
                name="risk_postloancheck_one_batch_check_a_day",
            )
        ]
        indexes = [
            models.Index(fields=["business_date", "decision"], name="risk_plc_date_decision"),
            models.Index(fields=["line", "business_date"], name="risk_plc_line_date"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def signals(self) -> list[str]:
        names = (
            "minimum_payments",
            "rising_utilisation",
            "overdue_other_line",
            "blacklist_hit",
            "id_expiring",
        )
        return [name for name in names if getattr(self, name)]


class EarlyWarningAction(models.Model):
    """What a check decided to do to a line: applied at once (freeze, small cut) or waiting for
    a risk analyst's approval (a large cut); approved actions are applied through lending."""

    class Kind(models.TextChoices):
        REDUCE = "reduce", _("Reduce the limit")
        FREEZE = "freeze", _("Freeze the line")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        QUEUED = "queued", _("Queued")  # decided, applied by a worker after end of day commits
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        SKIPPED = "skipped", _("Skipped")  # the line changed so the action no longer applies

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    check_record = models.ForeignKey(
        PostLoanCheck, on_delete=models.PROTECT, related_name="actions", db_column="check_id"
    )
    line = models.ForeignKey("lending.CreditLine", on_delete=models.PROTECT, related_name="+")
    customer_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    old_limit = models.BigIntegerField(_("old limit (fen)"))
    new_limit = models.BigIntegerField(_("new limit (fen)"), null=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH)
    # Who asked for the check (None: end of day); never the one who approves it.
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    business_date = models.DateField(_("business date"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("early-warning action")
        verbose_name_plural = _("early-warning actions")
        ordering = ["-id"]
        permissions = [
            ("approve_earlywarningaction", "Can approve or reject an early-warning action"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(status="pending"),
                name="risk_ewaction_one_pending_per_line",
            )
        ]
        indexes = [models.Index(fields=["status", "id"], name="risk_ewaction_status")]

    def __str__(self) -> str:
        return self.public_id
