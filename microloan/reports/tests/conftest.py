"""Shared fixtures: a portfolio snapshot and a two-loan month-end history."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.batch.models import PortfolioSnapshot
from microloan.batch.tests.synthetic import build_synthetic_book
from microloan.kernel.services import set_initial_business_date
from microloan.lending.models import Loan
from microloan.reports.models import LoanMonthEnd
from microloan.reports.month_end import write_vintages

BUSINESS_DATE = dt.date(2026, 4, 15)


@pytest.fixture
def snapshot(db):
    rows = [
        ("WLD", "normal", "M0", 6, 60000, 0),
        ("WLD", "special_mention", "M1", 2, 15000, 3000),
        ("WLDE", "substandard", "M3+", 2, 25000, 20000),
    ]
    PortfolioSnapshot.objects.bulk_create(
        PortfolioSnapshot(
            business_date=dt.date(2026, 3, 31),
            product_code=product,
            category=category,
            dpd_bucket=bucket,
            loan_count=count,
            principal_outstanding=principal,
            overdue_principal=overdue,
            interest_receivable=0,
            overdue_interest=0,
            penalty_receivable=0,
        )
        for product, category, bucket, count, principal, overdue in rows
    )


@pytest.fixture
def month_ends(db):
    """Two loans of 400 yuan disbursed in January 2026, at the February and March month ends:
    one stays current, one rolls M1 → M2. Business date 15 April 2026."""
    build_synthetic_book(loans=2, business_date=dt.date(2026, 2, 28), seed=3, overdue_share=0)
    first, second = Loan.objects.order_by("id").values_list("id", flat=True)
    Loan.objects.update(start_date=dt.date(2026, 1, 10), principal=40000)
    set_initial_business_date(BUSINESS_DATE)
    rows = [
        (dt.date(2026, 2, 28), first, "current", 0, 10000, 0, 1),
        (dt.date(2026, 2, 28), second, "M1", 20, 30000, 2000, 1),
        (dt.date(2026, 3, 31), first, "current", 0, 9000, 0, 2),
        (dt.date(2026, 3, 31), second, "M2", 51, 30000, 4000, 2),
    ]
    LoanMonthEnd.objects.bulk_create(
        LoanMonthEnd(
            month_end=day,
            loan_id=loan,
            product_code="WLD",
            vintage=dt.date(2026, 1, 1),
            months_on_book=mob,
            dpd=dpd,
            bucket=bucket,
            disbursed_principal=40000,
            principal_outstanding=principal,
            overdue_amount=overdue,
        )
        for day, loan, bucket, dpd, principal, overdue, mob in rows
    )
    for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 31)):
        write_vintages(day)
