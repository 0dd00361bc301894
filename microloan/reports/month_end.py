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
from microloan.batch.sql import date_literal, in_partition
from microloan.kernel.regulation import BUCKET_MAX_DPD
from microloan.lending.interface import (
    LoanStatus,
    disbursed_by_vintage_sql,
    month_end_positions_sql,
)

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


def _state_case() -> str:
    """The month-end state of a row of lending's month-end positions (``p``)."""
    # The bucket bounds are kernel.regulation's; BUCKETS is in bucket_index order.
    buckets = "".join(
        f" WHEN p.dpd <= {upper} THEN '{BUCKETS[i]}'" for i, upper in enumerate(BUCKET_MAX_DPD)
    )
    return (
        f"CASE WHEN p.status = '{LoanStatus.WRITTEN_OFF}' THEN '{WRITTEN_OFF}'"
        f" WHEN p.status = '{LoanStatus.PAID_OFF}' THEN '{CLOSED}'{buckets}"
        f" ELSE '{BUCKETS[-1]}' END"
    )


def write_month_end(day: dt.date, lo: int, hi: int) -> int:
    """Write the month-end rows of loans ``lo <= id < hi`` as they stand at the close of ``day``.

    Rows: active loans, and loans paid off or written off on a date in ``day``'s month (which
    loans, and their figures, lending's ``month_end_positions_sql`` says). Returns the rows
    written.
    """
    today = date_literal(day)
    day_index = day.year * 12 + day.month
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE month_end = {today} AND {in_partition(lo, hi, 'loan_id')}"
        )
        # One INSERT … SELECT over lending's query (a subquery the planner flattens).
        cursor.execute(
            f"""
            INSERT INTO {TABLE} (month_end, loan_id, product_code, vintage, months_on_book, dpd,
                bucket, disbursed_principal, principal_outstanding, overdue_amount)
            SELECT {today}, p.loan_id, p.product_code, p.vintage, {day_index} - p.start_month,
                p.dpd, {_state_case()}, p.principal, p.book_principal, p.overdue_amount
            FROM ({month_end_positions_sql(day, lo, hi)}) p
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
            LEFT JOIN ({disbursed_by_vintage_sql()}) v ON v.vintage = g.vintage
            """
        )
        return max(cursor.rowcount, 0)


def summarise_vintages_at_month_end(ctx: StepContext) -> int:
    """The EOD hook after the loan rows: on a month end, the vintage summary; else nothing."""
    if not is_month_end(ctx.business_date):
        return 0
    return write_vintages(ctx.business_date)
