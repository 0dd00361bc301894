"""End-of-day hook: the loan-level month-end snapshot, one set-based INSERT … SELECT.

Registered in the ``analytics`` slot (after classification, so DPD is that of the day). It
does its work only on the last business day of a month — end of day runs every calendar day,
so that is the month's last calendar day — and returns 0 at once on every other day.

A second hook (``reports.vintage_month_end``, not partitioned, run after the first) sums the
month's loan rows per disbursement month into ``VintageMonthEnd`` for the vintage curves.

Idempotent per (month end, partition): the partition's rows for that month end are deleted
and written again in the same transaction, and ``(month_end, loan_id)`` is unique, so a rerun
(a worker dying before its commit, or a manual call) can never leave duplicates.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from microloan.batch.registry import StepContext
from microloan.batch.sql import date_literal, in_partition, is_sqlite
from microloan.kernel.regulation import BUCKET_MAX_DPD
from microloan.lending.models import Loan, LoanTransaction

from .analytics import (
    BUCKETS,
    CLOSED,
    VINTAGE_METRICS,
    WRITTEN_OFF,
    is_month_end,
)
from .models import LoanMonthEnd, VintageMonthEnd

HOOK_NAME = "reports.loan_month_end"
VINTAGE_HOOK_NAME = "reports.vintage_month_end"
TABLE = LoanMonthEnd._meta.db_table
VINTAGES = VintageMonthEnd._meta.db_table
LOAN = Loan._meta.db_table
LOAN_TXN = LoanTransaction._meta.db_table
ACTIVE, PAID_OFF, WRITTEN = Loan.Status.ACTIVE, Loan.Status.PAID_OFF, Loan.Status.WRITTEN_OFF


def _month_index(column: str) -> str:
    """``year × 12 + month`` of a date column, as SQL. SQLite stores dates as 'YYYY-MM-DD'
    text: cutting the text is a third cheaper than strftime() over a million rows."""
    if is_sqlite():
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({column}, 6, 2) AS INTEGER))"
        )
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12"
        f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER))"
    )


def first_of_month(column: str) -> str:
    """The first day of a date column's month, as SQL (text on SQLite, like Django's dates)."""
    if is_sqlite():
        return f"(substr({column}, 1, 7) || '-01')"
    return f"CAST(date_trunc('month', {column}) AS DATE)"


def _state_case() -> str:
    # The bucket bounds are kernel.regulation's; BUCKETS is in bucket_index order.
    buckets = "".join(
        f" WHEN l.dpd <= {upper} THEN '{BUCKETS[i]}'" for i, upper in enumerate(BUCKET_MAX_DPD)
    )
    return (
        f"CASE WHEN l.status = '{WRITTEN}' THEN '{WRITTEN_OFF}'"
        f" WHEN l.status = '{PAID_OFF}' THEN '{CLOSED}'{buckets} ELSE '{BUCKETS[-1]}' END"
    )


def write_month_end(day: dt.date, lo: int, hi: int) -> int:
    """Write the month-end rows of loans ``lo <= id < hi`` as they stand at the close of ``day``.

    Rows: active loans, and loans paid off or written off on a date in ``day``'s month. For a
    written-off loan the principal is what its write-off transaction took off the books (the
    loan row holds 0 after it); a closed loan has 0. Returns the rows written.
    """
    today = date_literal(day)
    first = date_literal(day.replace(day=1))
    day_index = day.year * 12 + day.month
    written_off_principal = (
        f"(SELECT COALESCE(SUM(t.principal), 0) FROM {LOAN_TXN} t"
        f" WHERE t.loan_id = l.id AND t.kind = '{LoanTransaction.Kind.WRITE_OFF}')"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE month_end = {today} AND {in_partition(lo, hi, 'loan_id')}"
        )
        cursor.execute(
            f"""
            INSERT INTO {TABLE} (month_end, loan_id, product_code, vintage, months_on_book, dpd,
                bucket, disbursed_principal, principal_outstanding, overdue_amount)
            SELECT {today}, l.id, l.product_code, {first_of_month("l.start_date")},
                {day_index} - {_month_index("l.start_date")},
                CASE WHEN l.status = '{PAID_OFF}' THEN 0 ELSE l.dpd END,
                {_state_case()},
                l.principal,
                CASE WHEN l.status = '{ACTIVE}' THEN l.principal_outstanding
                     WHEN l.status = '{WRITTEN}' THEN {written_off_principal} ELSE 0 END,
                CASE WHEN l.status = '{ACTIVE}'
                     THEN l.overdue_principal + l.overdue_interest + l.penalty_receivable
                     ELSE 0 END
            FROM {LOAN} l
            WHERE {in_partition(lo, hi, "l.id")} AND l.start_date IS NOT NULL
              AND (l.status = '{ACTIVE}'
                   OR (l.status IN ('{PAID_OFF}', '{WRITTEN}')
                       AND l.closed_on >= {first} AND l.closed_on <= {today}))
            """
        )
        return max(cursor.rowcount, 0)


def snapshot_loans_at_month_end(ctx: StepContext) -> int:
    """The EOD hook: on a month's last business day, write its month-end rows; else nothing."""
    if not is_month_end(ctx.business_date):
        return 0
    return write_month_end(ctx.business_date, ctx.partition.lo, ctx.partition.hi)


def write_vintages(day: dt.date) -> int:
    """Sum the loan rows of month end ``day`` per vintage into VintageMonthEnd (replacing
    that month end's summary), with what each vintage disbursed. Returns the rows written."""
    today = date_literal(day)
    on_book = ", ".join(f"'{bucket}'" for bucket in BUCKETS)
    conditions = {
        f"bad{days}": f"m.bucket IN ({on_book}) AND m.dpd > {days}"
        for days in (VINTAGE_METRICS["30+"], VINTAGE_METRICS["90+"])
    }
    conditions["written_off"] = f"m.bucket = '{WRITTEN_OFF}'"
    sums = [
        f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END) AS {name}_{suffix}"
        for name, condition in conditions.items()
        for value, suffix in (("1", "loans"), ("m.principal_outstanding", "principal"))
    ]
    vintage = first_of_month("start_date")
    not_disbursed = f"'{Loan.Status.PENDING_DISBURSEMENT}', '{Loan.Status.CANCELLED}'"
    # Group the month's loan rows first (a few hundred groups), then join the disbursed totals.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {VINTAGES} WHERE month_end = {today}")
        cursor.execute(
            f"""
            INSERT INTO {VINTAGES} (month_end, vintage, months_on_book, vintage_loans,
                vintage_principal, bad30_loans, bad30_principal, bad90_loans, bad90_principal,
                written_off_loans, written_off_principal)
            SELECT {today}, g.vintage, g.months_on_book, COALESCE(v.loans, 0),
                COALESCE(v.principal, 0), g.bad30_loans, g.bad30_principal, g.bad90_loans,
                g.bad90_principal, g.written_off_loans, g.written_off_principal
            FROM (
                SELECT m.vintage, m.months_on_book, {", ".join(sums)}
                FROM {TABLE} m WHERE m.month_end = {today}
                GROUP BY m.vintage, m.months_on_book
            ) g
            LEFT JOIN (
                SELECT {vintage} AS vintage, COUNT(*) AS loans, SUM(principal) AS principal
                FROM {LOAN} WHERE start_date IS NOT NULL AND status NOT IN ({not_disbursed})
                GROUP BY {vintage}
            ) v ON v.vintage = g.vintage
            """
        )
        return max(cursor.rowcount, 0)


def summarise_vintages_at_month_end(ctx: StepContext) -> int:
    """The EOD hook after the loan rows: on a month end, the vintage summary; else nothing."""
    if not is_month_end(ctx.business_date):
        return 0
    return write_vintages(ctx.business_date)
