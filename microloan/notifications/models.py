"""Message templates, the message outbox, what providers received, and reminder offsets.

``Message`` is a transactional outbox: a row is written in the transaction of the change that
causes it (an event subscriber, the reminder step) and a worker delivers it after commit. One
row per channel; ``dedupe_key`` is unique, so the same logical message on the same channel is
never created twice however often its cause is replayed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.sql import PreparedInsert

MESSAGE_ID_PREFIX = "msg"
LANGUAGES = (("zh-hans", _("Simplified Chinese")), ("en", _("English")))


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    PUSH = "push", _("App push")
    INBOX = "inbox", _("In-app inbox")


# The templates' codes as staff read them; an unknown code is shown as it is.
TEMPLATE_LABELS = {
    "application_approved": _("Application approved"),
    "application_rejected": _("Application rejected"),
    "offer": _("Offer"),
    "contract_signed": _("Contract signed"),
    "disbursement_succeeded": _("Disbursement succeeded"),
    "disbursement_failed": _("Disbursement failed"),
    "repayment_received": _("Repayment received"),
    "repayment_reminder": _("Repayment reminder"),
    "repayment_due_today": _("Repayment due today"),
    "limit_changed": _("Limit changed"),
    "overdue_notice": _("Overdue notice"),
    "collection_notice": _("Collection notice"),
    "line_frozen": _("Credit line frozen"),
}


def template_label(code: str) -> str:
    return str(TEMPLATE_LABELS.get(code, code))


class MessageTemplate(models.Model):
    """The text of one kind of message in both languages, edited by product managers.

    ``variables`` (name → kind, see ``rendering.VARIABLE_KINDS``) is fixed by the code that
    supplies the values; an edit may use only those names. Every edit bumps ``version`` and is
    in the audit trail with the old and new text, and each message records the version it used.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    variables = models.JSONField(_("variables"), default=dict)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("text (Chinese)"), max_length=1000)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=1000)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return template_label(self.code)

    def texts(self, language: str) -> tuple[str, str]:
        """(subject, body) in ``language`` ("zh-hans" or "en")."""
        if language == "en":
            return self.subject_en, self.body_en
        return self.subject_zh, self.body_zh


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    customer_id = models.CharField(_("customer"), max_length=PUBLIC_ID_MAX_LENGTH)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template_code = models.CharField(_("template"), max_length=64)
    template_version = models.PositiveIntegerField(default=1)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    variables = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker may next try: creation time, not_before, or the backoff after a failure.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # Allowed hours: not delivered before this (reminders created at night wait for morning).
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    # A claim: the worker holding the message while it sends; another may take it over after
    # lease_expires_at (the first one died), and the first one's late result is then ignored.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)  # inbox only
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="msg_status_due"),
            models.Index(fields=["customer_id", "channel", "-created_at"], name="msg_customer"),
            models.Index(fields=["template_code", "-created_at"], name="msg_template"),
            models.Index(fields=["-created_at"], name="msg_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["sms", "push", "inbox"]), name="msg_channel_known"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def template_label(self) -> str:
        return template_label(self.template_code)


class ProviderRecord(PreparedInsert, models.Model):
    """What a file provider was handed, one row per call (also a line in its JSON-lines file).

    ``idempotency_key`` is the message public id: a message handed over twice (a worker died
    after sending and before recording it) shows up as two rows with the same key, the second
    flagged ``duplicate`` and answered with the first one's provider id, as a real provider
    honouring idempotency keys would do.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    provider_message_id = models.CharField(max_length=100)
    customer_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    duplicate = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provider record")
        ordering = ["id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key}"


class ReminderPolicy(models.Model):
    """Days before the due date that a product's borrowers are reminded (0 = on the day).

    Products without a row use ``settings.NOTIFICATIONS_REMINDER_OFFSETS`` (default 3, 1, 0).
    """

    product_code = models.CharField(_("product code"), max_length=32, unique=True)
    offsets = models.JSONField(_("days before due"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")

    def __str__(self) -> str:
        return self.product_code
