"""Payment orders to and from borrowers' bank cards, their event log, settlement reconciliation,
and the simulated bank's own book.

An order never holds the plain card number: only the masked form for screens and the
customer's card blind index, which the sender checks against the customer record when it
reads the card to send. One order per (kind, loan, purpose): a second "contract.signed" or a
second end-of-day run finds the order it already made instead of paying twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.sql import PreparedInsert

ORDER_ID_PREFIX = "pay"
BREAK_ID_PREFIX = "brk"
RUN_ID_PREFIX = "rcn"


# The bank's failure codes as staff read them.
FAILURE_LABELS = {
    "card_invalid": _("Bank card invalid"),
    "insufficient_funds": _("Insufficient funds"),
    "rejected": _("Refused by the bank"),
    "failed": _("Bank processing failed"),
}


class PaymentOrder(PreparedInsert, models.Model):
    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        COLLECTION = "collection", _("Repayment collection")
        AUTO_DEBIT = "auto_debit", _("Auto-debit")
        PREPAYMENT = "prepayment", _("Prepayment collection")
        PAYOFF = "payoff", _("Payoff collection")
        REFUND = "refund", _("Refund of an overpayment")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SENT = "sent", _("Sent")
        PENDING = "pending", _("Pending at the bank")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    loan_id = models.CharField(_("loan"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    # Why this order exists, unique per kind and loan: "disbursement", "auto_debit:<date>",
    # "api:<caller>:<key hash>" for a borrower's repayment.
    purpose_key = models.CharField(max_length=120)
    amount = models.BigIntegerField(_("amount (fen)"))
    # A prepayment's re-amortisation mode ("" = the product's), applied when the money posts.
    prepayment_mode = models.CharField(max_length=16, blank=True, default="", db_default="")
    card_masked = models.CharField(_("card"), max_length=32, blank=True)
    card_index = models.CharField(max_length=128, blank=True)  # customers' card blind index
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CREATED
    )
    channel = models.CharField(_("channel"), max_length=32)
    channel_ref = models.CharField(_("channel reference"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    queries = models.PositiveSmallIntegerField(_("status queries"), default=0)
    sent_at = models.DateTimeField(null=True)
    last_query_at = models.DateTimeField(_("last status query"), null=True)
    completed_at = models.DateTimeField(null=True)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    business_date = models.DateField(_("business date"), db_index=True)
    # The lending transaction the result posted (repayment) or the loan it started; empty when
    # nothing was posted. posting_error: the bank paid but lending refused to post (staff act).
    posted_ref = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, blank=True)
    posting_error = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "loan_id", "purpose_key"], name="payment_order_unique_purpose"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_pos"),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="payment_status_updated"),
            models.Index(fields=["business_date", "kind"], name="payment_date_kind"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def failure_label(self) -> str:
        """The bank's failure code in words (an unknown code is shown as it came)."""
        return str(FAILURE_LABELS.get(self.failure_code, self.failure_code))

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def direction(self) -> str:
        """ "out" (we pay the borrower) or "in" (the borrower's card is debited)."""
        return "out" if self.kind in (self.Kind.DISBURSEMENT, self.Kind.REFUND) else "in"


FINAL_STATUSES = frozenset(
    {
        PaymentOrder.Status.SUCCEEDED,
        PaymentOrder.Status.FAILED,
        PaymentOrder.Status.CANCELLED,
    }
)
OPEN_AT_BANK = (PaymentOrder.Status.SENT, PaymentOrder.Status.PENDING)


class PaymentEvent(PreparedInsert, models.Model):
    """One thing that happened to an order: a send, the bank's ack, a callback, a status query,
    a posting. Raw payloads are kept only as their SHA-256 (they may carry card data)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SEND = "send", _("Sent to the bank")
        ACK = "ack", _("Bank acknowledged")
        SEND_ERROR = "send_error", _("Send error")
        CALLBACK = "callback", _("Callback")
        DUPLICATE_CALLBACK = "duplicate_callback", _("Duplicate callback")
        STATUS_QUERY = "status_query", _("Status query")
        POSTED = "posted", _("Posted")
        POSTING_REFUSED = "posting_refused", _("Posting refused")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reported_status = models.CharField(max_length=16, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)
    actor_id = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.kind}"


class ReconciliationRun(models.Model):
    """One comparison of a channel's settlement file for a date with our orders."""

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    channel = models.CharField(max_length=32)
    business_date = models.DateField()
    file_sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    breaks = models.PositiveIntegerField(default=0)
    actor_id = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation run")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "business_date", "file_sha256"], name="recon_run_unique_file"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class SettlementBreak(models.Model):
    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", _("Missing on our side")
        MISSING_THEIRS = "missing_theirs", _("Missing on the bank's side")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
        STATUS_MISMATCH = "status_mismatch", _("Status mismatch")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        SUPERSEDED = "superseded", _("Superseded by a later run")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, related_name="items")
    business_date = models.DateField(_("business date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    order_id = models.CharField(_("order"), max_length=PUBLIC_ID_MAX_LENGTH)
    our_amount = models.BigIntegerField(null=True)
    their_amount = models.BigIntegerField(null=True)
    our_status = models.CharField(max_length=16, blank=True)
    their_status = models.CharField(max_length=16, blank=True)
    channel_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    resolution = models.TextField(_("resolution"), max_length=1000, blank=True)
    resolved_by = models.CharField(max_length=160, blank=True)
    resolved_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("settlement break")
        verbose_name_plural = _("settlement breaks")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.public_id


class SimulatedBankPayment(models.Model):
    """The simulated bank's own record of an instruction it received (in-process simulator).

    Kept in the database, not in memory, so a worker process sees what the web process sent.
    """

    order_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    direction = models.CharField(max_length=4)
    amount = models.BigIntegerField()
    card_last4 = models.CharField(max_length=4, blank=True)
    outcome = models.CharField(max_length=16)
    status = models.CharField(max_length=12)  # pending | succeeded | failed
    failure_code = models.CharField(max_length=64, blank=True)
    channel_ref = models.CharField(max_length=64, unique=True)
    callbacks_due = models.PositiveSmallIntegerField(default=0)
    value_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated bank payment")

    def __str__(self) -> str:
        return self.channel_ref


class SimulatorInstruction(models.Model):
    """What the simulated bank should do with one order id (set before the order is sent)."""

    order_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    outcome = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("simulator instruction")

    def __str__(self) -> str:
        return f"{self.order_id}:{self.outcome}"
