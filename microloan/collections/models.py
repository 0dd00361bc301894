"""Collection cases, their bucket history, strategies per bucket, contacts and promises to pay.

A case follows one overdue loan from the end of day that first saw it overdue until the loan
is cured, restructured, paid off or written off; end of day (``eod.py``) opens, moves and
closes cases set-based. Money is integer fen; borrower phone numbers are never stored, only
their blind index (customers.crypto.blind_index), which is all a conduct check needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH

DEFAULT_BORROWER_TIMEZONE = "Asia/Shanghai"


class Bucket(models.TextChoices):
    """Values are lending.classification.Bucket's (M0, current, never has a case)."""

    M1 = "M1", _("M1 (1–30 days)")
    M2 = "M2", _("M2 (31–60 days)")
    M3 = "M3", _("M3 (61–90 days)")
    M3_PLUS = "M3+", _("M3+ (over 90 days)")


class OverdueCause(models.TextChoices):
    JOB_LOSS = "job_loss", _("Job loss")
    ILLNESS = "illness", _("Illness")
    FRAUD_SUSPICION = "fraud_suspicion", _("Fraud suspicion")
    DISPUTE = "dispute", _("Dispute")
    UNWILLING = "unwilling", _("Unwilling to pay")


class CollectionCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        CURED = "cured", _("Cured (no longer overdue)")
        PAID_OFF = "paid_off", _("Paid off")
        RESTRUCTURED = "restructured", _("Restructured")
        WRITTEN_OFF = "written_off", _("Written off")
        CANCELLED = "cancelled", _("Loan cancelled")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    loan = models.ForeignKey(
        "lending.Loan", on_delete=models.PROTECT, related_name="collection_cases"
    )
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    bucket = models.CharField(_("bucket"), max_length=4, choices=Bucket.choices)
    opened_on = models.DateField(_("opened on"))
    # Overdue amount (overdue principal + overdue interest + penalty) when the case opened and
    # when it entered its current bucket: the denominators of the recovery rates (stats.py).
    opening_overdue = models.BigIntegerField(_("overdue when opened (fen)"))
    bucket_entered_on = models.DateField(_("in bucket since"))
    bucket_entry_overdue = models.BigIntegerField(_("overdue on entering the bucket (fen)"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_cases",
    )
    assigned_on = models.DateField(null=True, blank=True)
    cause = models.CharField(
        _("overdue cause"), max_length=20, choices=OverdueCause.choices, blank=True
    )
    outsourced = models.BooleanField(_("outsourced"), default=False)
    borrower_timezone = models.CharField(max_length=40, default=DEFAULT_BORROWER_TIMEZONE)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ["-id"]
        permissions = [("work_collectioncase", "Can work assigned collection cases")]
        indexes = [
            models.Index(fields=["status", "loan"], name="ccase_status_loan"),
            models.Index(fields=["status", "collector"], name="ccase_status_collector"),
            models.Index(fields=["status", "bucket"], name="ccase_status_bucket"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=models.Q(status="open"), name="ccase_one_open_per_loan"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class BucketChange(models.Model):
    """One entry of a case into a bucket (the first one when the case opens, from "")."""

    case = models.ForeignKey(CollectionCase, on_delete=models.CASCADE, related_name="history")
    business_date = models.DateField()
    from_bucket = models.CharField(max_length=4, blank=True)
    to_bucket = models.CharField(max_length=4, choices=Bucket.choices)
    dpd = models.IntegerField()
    overdue_amount = models.BigIntegerField()

    class Meta:
        ordering = ["case_id", "business_date"]
        constraints = [
            models.UniqueConstraint(fields=["case", "business_date"], name="bucketchange_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.business_date}:{self.to_bucket}"


class CollectionStrategy(models.Model):
    """What is done for cases in one bucket: automated reminders, who calls, outsourcing."""

    class Team(models.TextChoices):
        NONE = "none", _("No collector (automated reminders only)")
        COLLECTORS = "collectors", _("Collectors")
        SENIOR = "senior", _("Senior team")

    bucket = models.CharField(max_length=4, choices=Bucket.choices, unique=True)
    sms = models.BooleanField(_("SMS reminders"), default=True)
    push = models.BooleanField(_("app push reminders"), default=True)
    calls = models.BooleanField(_("collector calls"), default=True)
    team = models.CharField(max_length=12, choices=Team.choices, default=Team.COLLECTORS)
    outsource = models.BooleanField(_("outsource to an agency"), default=False)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("collection strategy")
        verbose_name_plural = _("collection strategies")
        ordering = ["bucket"]

    def __str__(self) -> str:
        return self.bucket


class CollectorProfile(models.Model):
    """Collection-team facts about a staff user in the collector role (senior team or not)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collector_profile"
    )
    senior = models.BooleanField(_("senior team"), default=False)
    accepts_cases = models.BooleanField(_("takes new cases"), default=True)

    class Meta:
        verbose_name = _("collector profile")

    def __str__(self) -> str:
        return f"collector {self.user_id}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")


class ContactResult(models.TextChoices):
    PROMISED = "promised", _("Promised to pay")
    PAID = "paid", _("Says already paid")
    REFUSED = "refused", _("Refused to pay")
    DISPUTED = "disputed", _("Disputes the debt")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy / call rejected")
    UNREACHABLE = "unreachable", _("Unreachable / switched off")
    MESSAGE_LEFT = "message_left", _("Message left / sent")
    NOT_HOME = "not_home", _("Not at home")


class NumberUsed(models.TextChoices):
    """The number a call or SMS went to: one on file (picked) or one an integration typed."""

    REGISTERED_MOBILE = "registered_mobile", _("Registered mobile")
    GIVEN = "given", _("Number given by the caller")


class ContactAttempt(models.Model):
    """A contact the system allowed and a collector made."""

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="contacts")
    customer_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    channel = models.CharField(max_length=8, choices=ContactChannel.choices)
    number_index = models.CharField(max_length=80, blank=True)  # blind index, never the number
    # Which number was used and how it reads masked: the page picks one on file, never typed.
    number_used = models.CharField(max_length=20, choices=NumberUsed.choices, blank=True)
    number_masked = models.CharField(max_length=32, blank=True)
    result = models.CharField(max_length=16, choices=ContactResult.choices)
    note = models.CharField(max_length=500, blank=True)
    attempted_at = models.DateTimeField()
    local_date = models.DateField()  # the borrower's calendar day of the attempt (daily cap)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["customer_id", "local_date"], name="ccontact_daily")]

    def __str__(self) -> str:
        return self.public_id


class RefusedContactAttempt(models.Model):
    """A contact the conduct rules refused: kept as evidence although the request failed."""

    class Reason(models.TextChoices):
        OUTSIDE_CONTACT_HOURS = "outside_contact_hours", _("Outside contact hours")
        DAILY_ATTEMPTS_EXCEEDED = "daily_attempts_exceeded", _("Daily attempts exceeded")
        NOT_BORROWER_NUMBER = "not_borrower_number", _("Not the borrower's number")
        NOT_ASSIGNED = "not_assigned", _("Not the assigned collector")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="refusals")
    customer_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    actor_id = models.CharField(max_length=160)
    channel = models.CharField(max_length=8, choices=ContactChannel.choices)
    number_index = models.CharField(max_length=80, blank=True)
    reasons = models.JSONField(default=list)  # every rule broken, codes of Reason
    attempted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"refusal {self.pk}"

    @property
    def reason_labels(self) -> list[str]:
        """The reasons in words, for pages (codes stay in ``reasons`` for the API)."""
        labels = dict(self.Reason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]


class PromiseToPay(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises")
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount (fen)"))
    made_on = models.DateField(_("made on"))  # business date: repayments from it count
    due_date = models.DateField(_("pay by"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    paid_amount = models.BigIntegerField(default=0)  # repaid in [made_on, judged_on]
    judged_on = models.DateField(null=True, blank=True)
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    bucket = models.CharField(max_length=4, choices=Bucket.choices)  # case bucket when made
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "loan"], name="cpromise_status_loan")]

    def __str__(self) -> str:
        return self.public_id
