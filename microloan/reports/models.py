"""The loan-level month-end snapshot that roll rates, vintages and recovery are computed from,
and the permission that opens the analytics.

Why month-end only (and not every day): at 1M loans a row per loan per day is 365M rows a
year (about 40 GB on PostgreSQL with its index), while the questions asked of loan-level
history — roll rates, vintages, recovery — are month on month. Twelve month-ends are 12M rows
(about 1.3 GB). Daily portfolio figures come from the aggregated ``batch.PortfolioSnapshot``
(a few dozen rows a day), which is enough for the daily bucket and outstanding charts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportsAccess(models.Model):
    """No table: only carries the ``reports.view_reports`` permission the roles grant."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view analytics reports")]
        verbose_name = _("analytics access")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class LoanBucket(models.TextChoices):
    """Where a loan stands at a month end: a DPD bucket, or how it left the book that month."""

    CURRENT = "current", _("Current")
    M1 = "M1", _("M1 (1–30)")
    M2 = "M2", _("M2 (31–60)")
    M3 = "M3", _("M3 (61–90)")
    M3_PLUS = "M3+", _("M3+ (>90)")
    WRITTEN_OFF = "written_off", _("Written off")
    CLOSED = "closed", _("Closed")


class LoanMonthEnd(models.Model):
    """One loan at the close of one month end (the month's last business day).

    Rows: every active loan, plus each loan that was paid off (``closed``) or written off in
    that month, so a roll-rate matrix sees every way out of the book exactly once. ``loan_id``
    is the lending loan's internal id (the EOD partition key; never shown), kept without a
    foreign key so the table stays a plain append-mostly fact table.
    """

    # The natural key is the primary key: one index to maintain on a million-row insert, not
    # a surrogate id's and a unique constraint's (a third less insert work on PostgreSQL).
    pk = models.CompositePrimaryKey("month_end", "loan_id")
    month_end = models.DateField(_("month end"))
    loan_id = models.BigIntegerField()
    product_code = models.CharField(_("product"), max_length=32)
    vintage = models.DateField(_("disbursement month"))  # first day of the month
    months_on_book = models.SmallIntegerField(_("months on book"))  # 0 in the vintage month
    dpd = models.IntegerField(_("days past due"))
    bucket = models.CharField(_("bucket"), max_length=12, choices=LoanBucket.choices)
    disbursed_principal = models.BigIntegerField(_("disbursed principal (fen)"))
    # For a loan written off that month: the principal written off; closed: 0.
    principal_outstanding = models.BigIntegerField(_("principal outstanding (fen)"))
    # Overdue principal + overdue interest + penalty: the recovery-rate denominator next month.
    overdue_amount = models.BigIntegerField(_("overdue amount (fen)"))

    class Meta:
        verbose_name = _("loan month-end snapshot")

    def __str__(self) -> str:
        return f"{self.month_end} #{self.loan_id} {self.bucket}"


class VintageMonthEnd(models.Model):
    """One disbursement month at one month end, summed from that month end's loan rows.

    Written once a month by a non-partitioned EOD hook after the loan rows, so the vintage
    page reads a few hundred rows instead of grouping every loan-month. ``bad30``/``bad90``:
    loans on the book more than 30/90 days past due; ``written_off``: written off in that
    month. ``vintage_*``: what was disbursed in the vintage month (final once it has ended).
    """

    month_end = models.DateField(_("month end"))
    vintage = models.DateField(_("disbursement month"))
    months_on_book = models.SmallIntegerField(_("months on book"))
    vintage_loans = models.BigIntegerField()
    vintage_principal = models.BigIntegerField()
    bad30_loans = models.BigIntegerField()
    bad30_principal = models.BigIntegerField()
    bad90_loans = models.BigIntegerField()
    bad90_principal = models.BigIntegerField()
    written_off_loans = models.BigIntegerField()
    written_off_principal = models.BigIntegerField()

    class Meta:
        verbose_name = _("vintage month-end summary")
        constraints = [
            models.UniqueConstraint(
                fields=["month_end", "vintage"], name="vintage_month_end_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month_end} {self.vintage:%Y-%m} MOB {self.months_on_book}"
