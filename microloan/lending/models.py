"""Credit lines, loans, instalments and loan transactions.

The loan row is deliberately wide and flat: end of day reads and updates it set-based (one
UPDATE per step per partition), so every balance the batch needs lives on the row, in integer
fen, with integer rates (``*_rate_e8`` = rate × 10^8) so SQL can do exact integer arithmetic on
SQLite and PostgreSQL alike. Instalments hold the contract schedule and what was paid of each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.sql import PreparedInsert

from .domain import RATE_SCALE as RATE_SCALE  # re-exported: lending code imports it from here


class CreditLine(PreparedInsert, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        REDUCED = "reduced", _("Reduced")
        CLOSED = "closed", _("Closed")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    product_version = models.ForeignKey("products.ProductVersion", on_delete=models.PROTECT)
    limit = models.BigIntegerField(_("limit (fen)"))
    # Principal of this line's loans not yet repaid, pending disbursement included.
    # available = limit − used; repayment of principal lowers it again (revolving).
    used = models.BigIntegerField(_("used (fen)"), default=0)
    daily_rate = models.DecimalField(_("daily rate"), max_digits=12, decimal_places=8)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(_("opened on"))
    expires_on = models.DateField(_("expires on"))
    version = models.PositiveIntegerField(default=0)  # optimistic concurrency
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        permissions = [
            ("freeze_creditline", "Can freeze or unfreeze a credit line"),
            ("adjust_creditline_limit", "Can propose a credit line limit change"),
            ("approve_creditline_limit", "Can approve a credit line limit change"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(used__gte=0), name="line_used_non_negative"),
            models.CheckConstraint(
                condition=models.Q(limit__gte=0), name="line_limit_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def available(self) -> int:
        return max(self.limit - self.used, 0)


class Loan(PreparedInsert, models.Model):
    class Status(models.TextChoices):
        PENDING_DISBURSEMENT = "pending_disbursement", _("Pending disbursement")
        ACTIVE = "active", _("Active")
        PAID_OFF = "paid_off", _("Paid off")
        WRITTEN_OFF = "written_off", _("Written off")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="loans")
    customer_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    product_version = models.ForeignKey("products.ProductVersion", on_delete=models.PROTECT)
    product_code = models.CharField(max_length=32, db_index=True)  # GL aggregation key

    # Contract terms, fixed at drawdown (changed only by an approved restructuring).
    principal = models.BigIntegerField(_("principal (fen)"))
    daily_rate = models.DecimalField(_("daily rate"), max_digits=12, decimal_places=8)
    daily_rate_e8 = models.BigIntegerField()
    penalty_rate_e8 = models.BigIntegerField()  # daily penalty rate on overdue principal
    day_count = models.PositiveSmallIntegerField(default=360)
    method = models.CharField(max_length=24)
    term_months = models.PositiveSmallIntegerField()
    # What a prepayment that shortens the term keeps per instalment: the level payment
    # (equal instalment) or the principal part (equal principal); 0 for the other methods.
    instalment_amount = models.BigIntegerField(default=0)
    grace_days = models.PositiveSmallIntegerField(default=1)
    rounding = models.CharField(max_length=16, default="half_up")
    start_date = models.DateField(_("value date"), null=True)  # set on disbursement
    maturity_date = models.DateField(null=True)

    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING_DISBURSEMENT, db_index=True
    )
    restructured = models.BooleanField(default=False)

    # Balances (fen). principal_outstanding includes overdue principal; interest_receivable is
    # interest accrued and not yet paid, overdue part included.
    principal_outstanding = models.BigIntegerField(default=0)
    overdue_principal = models.BigIntegerField(default=0)
    interest_receivable = models.BigIntegerField(default=0)
    overdue_interest = models.BigIntegerField(default=0)
    penalty_receivable = models.BigIntegerField(default=0)
    unapplied_balance = models.BigIntegerField(default=0)  # overpayments held in 2241

    # The interest period running now: accrued interest after n days is
    # round(period_principal × daily_rate × n), so cumulative rounding never drifts and at the
    # due date it equals the schedule's interest to the fen.
    period_start_date = models.DateField(null=True)
    period_principal = models.BigIntegerField(default=0)
    period_days_accrued = models.IntegerField(default=0)
    period_accrued = models.BigIntegerField(default=0)
    next_due_date = models.DateField(null=True, db_index=True)
    next_instalment_number = models.PositiveSmallIntegerField(default=1)

    # Delinquency, recomputed by end of day.
    oldest_unpaid_due_date = models.DateField(null=True)
    dpd = models.IntegerField(_("days past due"), default=0)
    category = models.CharField(max_length=16, default="normal")

    # End-of-day guards: a step touches a loan only if its date is before the run date, which
    # makes each set-based step idempotent per loan.
    last_accrual_date = models.DateField(null=True)
    last_accrual_amount = models.BigIntegerField(default=0)
    last_penalty_date = models.DateField(null=True)
    last_penalty_amount = models.BigIntegerField(default=0)

    closed_on = models.DateField(null=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        permissions = [
            ("propose_writeoff", "Can propose a loan write-off"),
            ("approve_writeoff", "Can approve a loan write-off"),
            ("propose_restructure", "Can propose a loan restructuring"),
            ("approve_restructure", "Can approve a loan restructuring"),
            ("cancel_loan", "Can cancel a loan pending disbursement"),
            ("refund_unapplied", "Can refund a loan's unapplied receipts"),
        ]
        indexes = [models.Index(fields=["status", "id"], name="loan_status_id")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal_outstanding__gte=0)
                & models.Q(overdue_principal__gte=0)
                & models.Q(interest_receivable__gte=0)
                & models.Q(penalty_receivable__gte=0)
                & models.Q(unapplied_balance__gte=0),
                name="loan_balances_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class Instalment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")  # replaced by re-amortisation or restructuring

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    due_date = models.DateField()
    principal = models.BigIntegerField()
    interest = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    penalty = models.BigIntegerField(default=0)  # penalty charged against this instalment
    paid_principal = models.BigIntegerField(default=0)
    paid_interest = models.BigIntegerField(default=0)
    paid_penalty = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    paid_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("instalment")
        ordering = ["loan_id", "number"]
        indexes = [
            # The loan id last: end of day's per-day steps seek a day's instalments of one
            # partition (a loan id range) in the index alone, without visiting other partitions'.
            models.Index(fields=["due_date", "status", "loan"], name="instalment_due_status_loan"),
            # "the loan's next instalment after date X" (end of day's mark_due): without it,
            # PostgreSQL may walk the due-date index for every loan falling due.
            models.Index(fields=["loan", "due_date"], name="instalment_loan_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "number"],
                condition=~models.Q(status="cancelled"),
                name="instalment_unique_live_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"

    @property
    def total(self) -> int:
        return self.principal + self.interest


class LoanTransaction(PreparedInsert, models.Model):
    """One money event on a loan, with its split and the journal entry that posted it."""

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        REPAYMENT = "repayment", _("Repayment")
        PREPAYMENT = "prepayment", _("Prepayment")
        PAYOFF = "payoff", _("Payoff")
        UNAPPLIED_APPLIED = "unapplied_applied", _("Unapplied receipts applied")
        REFUND = "refund", _("Refund")
        WRITE_OFF = "write_off", _("Write-off")
        RESTRUCTURE = "restructure", _("Restructuring")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    business_date = models.DateField()
    amount = models.BigIntegerField()
    principal = models.BigIntegerField(default=0)
    interest = models.BigIntegerField(default=0)
    penalty = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    unapplied = models.BigIntegerField(default=0)
    journal_entry_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    # Unique reference of the money movement (payment id, idempotency scope): never twice.
    # NULL, not "", for events without one: unique must not treat them as duplicates.
    source_ref = models.CharField(max_length=200, unique=True, null=True)  # noqa: DJ001
    actor_id = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loan transaction")
        ordering = ["id"]
        indexes = [models.Index(fields=["loan", "business_date"], name="loantxn_loan_date")]

    def __str__(self) -> str:
        return self.public_id


class MakerCheckerRequest(models.Model):
    """A sensitive change on a line or loan waiting for a second person (limit, write-off,
    restructure, a manual posting above the approval threshold)."""

    class Kind(models.TextChoices):
        LIMIT_CHANGE = "limit_change", _("Limit change")
        LINE_OPENING = "line_opening", _("Line opening")
        WRITE_OFF = "write_off", _("Write-off")
        RESTRUCTURE = "restructure", _("Restructuring")
        MANUAL_POSTING = "manual_posting", _("Manual posting")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    line = models.ForeignKey(CreditLine, null=True, on_delete=models.PROTECT)
    loan = models.ForeignKey(Loan, null=True, on_delete=models.PROTECT)
    params = models.JSONField(default=dict)
    reason = models.TextField(max_length=1000)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("maker-checker request")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "kind"], name="mcr_status_kind")]

    def __str__(self) -> str:
        return self.public_id


class ManualPosting(models.Model):
    """Money the bank received for a loan outside a payment order (a transfer to the bank's
    account, a counter payment), recorded by staff with the bank's reference.

    One posting per (channel, bank reference) that is not rejected: the same bank money cannot
    be posted twice. Above ``MANUAL_POSTING_APPROVAL_THRESHOLD`` it waits for a second person
    (``request``, a maker-checker request) before it posts.
    """

    class Kind(models.TextChoices):
        REPAYMENT = "repayment", _("Repayment")
        PREPAYMENT = "prepayment", _("Prepayment")
        PAYOFF = "payoff", _("Payoff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        POSTED = "posted", _("Posted")
        REJECTED = "rejected", _("Rejected")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="manual_postings")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount (fen)"))
    prepayment_mode = models.CharField(max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=32)
    bank_reference = models.CharField(_("bank reference"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    request = models.OneToOneField(
        MakerCheckerRequest, null=True, on_delete=models.PROTECT, related_name="manual_posting"
    )
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transaction_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("manual posting")
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [
            ("record_manualposting", "Can record money the bank received, with its reference"),
            ("approve_manualposting", "Can approve a manual posting above the threshold"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "bank_reference"],
                condition=~models.Q(status="rejected"),
                name="manual_posting_bank_ref_once",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="manual_posting_pos"),
        ]

    def __str__(self) -> str:
        return self.public_id
