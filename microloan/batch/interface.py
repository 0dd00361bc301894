"""What other apps may use of batch: typed queries over its run records and portfolio
snapshots (frozen dataclasses, never model instances). Batch's tables are private; import
this module (or ``batch.registry`` to register end-of-day steps), not ``batch.models``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max

from .models import EodRun, PortfolioSnapshot


# --- for origination, contracts, payments, reports and the back office ---
@dataclass(frozen=True)
class EodRunSummary:
    business_date: dt.date
    status: str  # running, completed, failed
    status_label: str  # translated

    @property
    def completed(self) -> bool:
        return self.status == EodRun.Status.COMPLETED


def latest_eod_run() -> EodRunSummary | None:
    """The end-of-day run of the latest business date, None before the first run."""
    run = EodRun.objects.order_by("-business_date").only("business_date", "status").first()
    if run is None:
        return None
    return EodRunSummary(run.business_date, run.status, str(run.get_status_display()))


@dataclass(frozen=True)
class SnapshotLine:
    """One line of the daily portfolio snapshot: a (product, category, DPD bucket) group."""

    product_code: str
    category: str
    dpd_bucket: str
    loan_count: int
    principal_outstanding: int
    overdue_principal: int


def latest_snapshot_date(on_or_before: dt.date) -> dt.date | None:
    """The latest date with a portfolio snapshot on or before ``on_or_before``."""
    return PortfolioSnapshot.objects.filter(business_date__lte=on_or_before).aggregate(
        latest=Max("business_date")
    )["latest"]


def snapshot_dates(on_or_before: dt.date) -> list[dt.date]:
    """Every date with a portfolio snapshot on or before ``on_or_before``, oldest first."""
    return list(
        PortfolioSnapshot.objects.filter(business_date__lte=on_or_before)
        .order_by("business_date")  # not the model's ordering: it would defeat distinct()
        .values_list("business_date", flat=True)
        .distinct()
    )


def snapshot_lines(day: dt.date) -> list[SnapshotLine]:
    """The portfolio snapshot of ``day`` (empty if there is none)."""
    return [
        SnapshotLine(*row)
        for row in PortfolioSnapshot.objects.filter(business_date=day).values_list(
            "product_code",
            "category",
            "dpd_bucket",
            "loan_count",
            "principal_outstanding",
            "overdue_principal",
        )
    ]
