"""End-of-day runs, their checkpoints and work queue, and the daily portfolio snapshot.

A run of end of day for business date D is itself a record (who started it, when, how each
step went), audited at start and completion. Its work is a grid of (step, partition) items:
``EodWorkItem`` is the queue workers claim from (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL), ``EodCheckpoint`` the proof that an item committed, written in the same
transaction as the item's loan updates and ledger postings.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH


class EodRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True)
    # One run per business date: a failed or interrupted run is resumed, never started anew.
    business_date = models.DateField(_("business date"), unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_by = models.CharField(_("started by"), max_length=160)  # actor label
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True)
    active_loans = models.BigIntegerField(_("active loans at start"), default=0)
    # Loan id ranges [lo, hi), fixed at start so a resumed run finds its checkpoints again.
    partitions = models.JSONField(default=list)
    # step name -> {"rows": int, "seconds": float, "partitions": int}, filled on completion.
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("end-of-day run")
        verbose_name_plural = _("end-of-day runs")
        ordering = ["-business_date"]
        permissions = [("run_eod", "Can run end of day")]

    def __str__(self) -> str:
        return self.public_id


class EodWorkItem(models.Model):
    """One (step, partition) of a run, claimable by any worker process."""

    run = models.ForeignKey(EodRun, on_delete=models.CASCADE, related_name="work_items")
    step = models.CharField(max_length=64)
    partition = models.PositiveIntegerField()
    lo_id = models.BigIntegerField()  # loans with lo_id <= id < hi_id
    hi_id = models.BigIntegerField()
    done = models.BooleanField(default=False)
    worker = models.CharField(max_length=160, blank=True)  # who committed it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "step", "partition"], name="eod_item_unique"),
        ]
        indexes = [models.Index(fields=["run", "step", "done"], name="eod_item_pending")]

    def __str__(self) -> str:
        return f"{self.step}#{self.partition}"


class EodCheckpoint(models.Model):
    """A committed (step, business date, partition): present means done, and never redone."""

    class Status(models.TextChoices):
        DONE = "done", _("Done")

    run = models.ForeignKey(EodRun, on_delete=models.CASCADE, related_name="checkpoints")
    business_date = models.DateField()
    step = models.CharField(max_length=64)
    partition = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DONE)
    rows = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "step", "partition"], name="eod_checkpoint_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.step}#{self.partition}"


class PortfolioSnapshot(models.Model):
    """Active loans at the end of a business date, per product, category and DPD bucket."""

    business_date = models.DateField()
    product_code = models.CharField(max_length=32)
    category = models.CharField(max_length=16)
    dpd_bucket = models.CharField(max_length=8)
    loan_count = models.BigIntegerField()
    principal_outstanding = models.BigIntegerField()
    overdue_principal = models.BigIntegerField()
    interest_receivable = models.BigIntegerField()
    overdue_interest = models.BigIntegerField()
    penalty_receivable = models.BigIntegerField()

    class Meta:
        verbose_name = _("portfolio snapshot")
        ordering = ["business_date", "product_code", "category", "dpd_bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "product_code", "category", "dpd_bucket"],
                name="portfolio_snapshot_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.product_code} {self.category} {self.dpd_bucket}"
