"""Batch's portfolio snapshot table, written from figures the loans' owner computes.

Lending's closing end-of-day step (``portfolio_snapshot``) groups the active loans set-based
and hands the groups here; batch keeps them per business date for the reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from .models import PortfolioSnapshot

# The figures of one group, in this order after its key (product, category, DPD bucket).
SNAPSHOT_FIGURES = (
    "loan_count",
    "principal_outstanding",
    "overdue_principal",
    "interest_receivable",
    "overdue_interest",
    "penalty_receivable",
)


def store_portfolio_snapshot(business_date: dt.date, groups: Iterable[Sequence[str | int]]) -> int:
    """Replace the snapshot of ``business_date`` with ``groups``: tuples of (product code,
    category, DPD bucket, *SNAPSHOT_FIGURES). Returns the rows written."""
    rows = [
        PortfolioSnapshot(
            business_date=business_date,
            product_code=product_code,
            category=category,
            dpd_bucket=dpd_bucket,
            **dict(zip(SNAPSHOT_FIGURES, (int(value or 0) for value in figures), strict=True)),
        )
        for product_code, category, dpd_bucket, *figures in groups
    ]
    PortfolioSnapshot.objects.filter(business_date=business_date).delete()
    PortfolioSnapshot.objects.bulk_create(rows)
    return len(rows)
