"""The general ledger: the chart of accounts, journal entries and their lines.

Entries and lines are written only by ``services`` and never changed afterwards: a mistake is
corrected by a reversing entry. ``save()`` refuses updates, ``delete()`` refuses, and the
querysets refuse bulk updates and deletes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH, new_public_id

from .accounts import ACCOUNT_CODE_MAX_LENGTH, ACCOUNT_TYPES, NORMAL_SIDES
from .domain import DESCRIPTION_MAX_LENGTH, REF_MAX_LENGTH, SOURCE_REF_MAX_LENGTH, EntryType


class ImmutableLedgerRecord(Exception):
    """Code tried to change or remove a posted journal entry or line. Always a bug."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableLedgerRecord("journal entries cannot be updated; post a reversal")

    def delete(self):
        raise ImmutableLedgerRecord("journal entries cannot be deleted; post a reversal")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableLedgerRecord("journal entries cannot be updated; post a reversal")

    def update_or_create(self, defaults=None, **kwargs):
        raise ImmutableLedgerRecord("journal entries cannot be updated; post a reversal")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableLedgerRecord(f"{type(self).__name__} rows cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableLedgerRecord(f"{type(self).__name__} rows cannot be deleted")


class Account(models.Model):
    """One account of the chart (seeded from ``accounts.CHART``)."""

    code = models.CharField(_("code"), max_length=ACCOUNT_CODE_MAX_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=100)  # English msgid; see ``label``
    account_type = models.CharField(
        _("account type"), max_length=16, choices=[(t, t) for t in ACCOUNT_TYPES]
    )
    normal_side = models.CharField(
        _("normal balance side"), max_length=6, choices=[(s, s) for s in NORMAL_SIDES]
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the active language (the msgids come from ``accounts.CHART``)."""
        return gettext(self.name)


def new_entry_id() -> str:
    return new_public_id("je")


class JournalEntry(AppendOnlyModel):
    public_id = models.CharField(
        max_length=PUBLIC_ID_MAX_LENGTH, unique=True, default=new_entry_id, editable=False
    )
    business_date = models.DateField(_("business date"), db_index=True)
    entry_type = models.CharField(
        _("entry type"), max_length=24, choices=EntryType.CHOICES, db_index=True
    )
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    # NULL (not "") means "no product" / "no loan"; a NULL source_ref is the only way to be
    # unique yet optional.
    product_code = models.CharField(  # noqa: DJ001
        _("product code"), max_length=REF_MAX_LENGTH, null=True, blank=True
    )
    loan_id = models.CharField(  # noqa: DJ001
        _("loan"), max_length=REF_MAX_LENGTH, null=True, blank=True, db_index=True
    )
    # The idempotency key of the posting: a second posting with it returns this entry.
    source_ref = models.CharField(  # noqa: DJ001
        _("source reference"), max_length=SOURCE_REF_MAX_LENGTH, null=True, unique=True
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=160)  # Actor.label

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-business_date", "-id"]
        default_permissions = ("view",)
        permissions = [("post_manual_entry", "Can post a manual journal entry")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.entry_type} {self.business_date}"

    @property
    def reversal(self) -> JournalEntry | None:
        """The entry that reversed this one, if any."""
        try:
            return self.reversed_by
        except JournalEntry.DoesNotExist:
            return None


class JournalLine(AppendOnlyModel):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_column="account_code"
    )
    debit = models.BigIntegerField(_("debit (fen)"), default=0)
    credit = models.BigIntegerField(_("credit (fen)"), default=0)
    # Copied from the entry so balances as of a date need no join.
    business_date = models.DateField(_("business date"))
    loan_id = models.CharField(  # noqa: DJ001
        _("loan"), max_length=REF_MAX_LENGTH, null=True, blank=True, db_index=True
    )
    product_code = models.CharField(  # noqa: DJ001
        _("product code"), max_length=REF_MAX_LENGTH, null=True, blank=True
    )

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["id"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["account", "business_date"], name="ledger_line_account_date"),
            models.Index(fields=["product_code", "account"], name="ledger_line_product"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="ledger_line_one_sided_positive",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account_id} {side}"
