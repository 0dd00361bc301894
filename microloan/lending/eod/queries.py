"""Set-based reads of the loan book for end of day: lending's own steps and other apps' hooks.

Other apps reach these through lending.interface. Each is one statement per call (per
partition where it takes an id range) over lending's indexes, and returns plain typed tuples
(NamedTuple: immutable, and as cheap as the rows the cursor gives) — never model instances,
since the callers run them over up to a million loans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import connection

from microloan.batch.registry import LoanBook
from microloan.batch.sql import date_literal, fetch_rows, in_partition
from microloan.lending.classification import Bucket, Category
from microloan.lending.models import Instalment, Loan, LoanTransaction

from .sql import bucket_case

LOAN = Loan._meta.db_table
INSTALMENT = Instalment._meta.db_table
TXN = LoanTransaction._meta.db_table
ACTIVE = f"status = '{Loan.Status.ACTIVE}'"
OPEN_INSTALMENT = (Instalment.Status.SCHEDULED, Instalment.Status.DUE)
# Money received from the borrower on a loan (what a promise to pay counts).
REPAYMENT_KINDS = (
    LoanTransaction.Kind.REPAYMENT,
    LoanTransaction.Kind.PREPAYMENT,
    LoanTransaction.Kind.PAYOFF,
)
ENDED = (Loan.Status.PAID_OFF, Loan.Status.WRITTEN_OFF, Loan.Status.CANCELLED)
OVERDUE_AMOUNT = "(overdue_principal + overdue_interest + penalty_receivable)"
IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


def _fetch(sql: str, params: Sequence = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _chunks(values: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def active_loan_book() -> LoanBook:
    """How many loans are active and their id range (one index scan)."""
    sql = f"SELECT COUNT(*), MIN(id), MAX(id) FROM {LOAN} WHERE {ACTIVE}"
    count, lowest, highest = _fetch(sql)[0]
    return LoanBook(active=int(count), lowest_id=lowest, highest_id=highest)


def portfolio_positions() -> list[tuple]:
    """Active loans per (product, category, DPD bucket): count and balances, one statement.

    Rows: (product code, category, bucket, loans, principal outstanding, overdue principal,
    interest receivable, overdue interest, penalty receivable). Current loans (normal, DPD 0:
    nearly all of them) are grouped by product alone and the rest by the full key, which
    spares sorting the whole book by three keys.
    """
    bucket = bucket_case()
    sums = (
        "COUNT(*), SUM(principal_outstanding), SUM(overdue_principal),"
        " SUM(interest_receivable), SUM(overdue_interest), SUM(penalty_receivable)"
    )
    current = f"category = '{Category.NORMAL}' AND dpd = 0"
    return _fetch(
        f"""
        SELECT product_code, '{Category.NORMAL}', '{Bucket.M0}', {sums}
        FROM {LOAN} WHERE {ACTIVE} AND {current}
        GROUP BY product_code
        UNION ALL
        SELECT product_code, category, {bucket}, {sums}
        FROM {LOAN} WHERE {ACTIVE} AND NOT ({current})
        GROUP BY product_code, category, {bucket}
        """
    )


class OverdueLoan(NamedTuple):
    """An active loan with days past due, as collections works it."""

    id: int  # the loan's row id (what other apps' foreign keys hold)
    public_id: str
    customer_id: str
    dpd: int
    bucket: str  # collection bucket of the dpd (lending.classification.Bucket value)
    overdue_amount: int  # overdue principal + overdue interest + penalty receivable


def overdue_loans(lo: int, hi: int) -> list[OverdueLoan]:
    """The active loans with ``lo <= id < hi`` and dpd ≥ 1, as end of day left them."""
    return [
        OverdueLoan(*row)
        for row in fetch_rows(
            f"SELECT id, public_id, customer_id, dpd, {bucket_case()}, {OVERDUE_AMOUNT} FROM {LOAN}"
            f" WHERE {in_partition(lo, hi)} AND {ACTIVE} AND dpd > 0 ORDER BY id"
        )
    ]


class LoanStanding(NamedTuple):
    """Where a loan stands for closing its collection case."""

    id: int
    public_id: str
    ended_as: str  # "paid_off", "written_off" or "cancelled" once it has ended, else ""
    dpd: int
    last_restructured_on: dt.date | None  # business date of its latest restructuring


def loan_standings(loan_ids: Sequence[int]) -> dict[int, LoanStanding]:
    """The standing of each of ``loan_ids`` (a few: the loans of open cases to close)."""
    standings = {}
    for chunk in _chunks(sorted(set(loan_ids))):
        marks = ", ".join(["%s"] * len(chunk))
        for loan_id, public_id, status, dpd, restructured in _fetch(
            f"SELECT l.id, l.public_id, l.status, l.dpd,"
            f" (SELECT MAX(t.business_date) FROM {TXN} t WHERE t.loan_id = l.id"
            f" AND t.kind = '{LoanTransaction.Kind.RESTRUCTURE}')"
            f" FROM {LOAN} l WHERE l.id IN ({marks})",
            chunk,
        ):
            standings[loan_id] = LoanStanding(
                loan_id,
                public_id,
                status if status in ENDED else "",
                dpd,
                _as_date(restructured) if restructured else None,
            )
    return standings


def repayments_by_day(loan_ids: Sequence[int], since: dt.date) -> dict[int, list[tuple]]:
    """Money received from the borrower on each of ``loan_ids`` from ``since`` on:
    loan id → [(business date, amount), …] summed per day, in date order."""
    by_loan: dict[int, list[tuple]] = {}
    kinds = ", ".join(f"'{kind}'" for kind in REPAYMENT_KINDS)
    for chunk in _chunks(sorted(set(loan_ids))):
        marks = ", ".join(["%s"] * len(chunk))
        for loan_id, day, amount in _fetch(
            f"SELECT loan_id, business_date, SUM(amount) FROM {TXN}"
            f" WHERE loan_id IN ({marks}) AND kind IN ({kinds})"
            f" AND business_date >= {date_literal(since)}"
            " GROUP BY loan_id, business_date ORDER BY loan_id, business_date",
            chunk,
        ):
            by_loan.setdefault(loan_id, []).append((_as_date(day), int(amount)))
    return by_loan


def loan_public_ids(loan_ids: Sequence[int]) -> dict[int, str]:
    """Row id → public id of each of ``loan_ids``."""
    found = {}
    for chunk in _chunks(sorted(set(loan_ids))):
        marks = ", ".join(["%s"] * len(chunk))
        found.update(_fetch(f"SELECT id, public_id FROM {LOAN} WHERE id IN ({marks})", chunk))
    return found


class DueInstalment(NamedTuple):
    """An open instalment of an active loan, with what is left of it to pay."""

    loan_id: str  # the loan's public id
    customer_id: str
    product_code: str
    number: int
    due_date: dt.date
    amount_left: int  # unpaid, less money the loan already holds that will cover it


def instalments_due(lo: int, hi: int, due_dates: Sequence[dt.date]) -> list[DueInstalment]:
    """Open instalments of the active loans with ``lo <= id < hi`` falling due on
    ``due_dates``, in (loan id, due date) order, that held money does not cover in full.

    Money the loan already holds (paid ahead, 2241) goes to what is overdue first, then to the
    instalments in due-date order: ``amount_left`` is what it does not cover.
    """
    if not due_dates:
        return []
    # Instalments first (CROSS JOIN keeps SQLite's order): the day's instalments of the
    # partition straight from the (due date, status, loan) index, then their loans by key.
    # Loans first made SQLite probe every loan of the partition once per date.
    dates = ", ".join(date_literal(day) for day in due_dates)
    states = ", ".join(f"'{status}'" for status in OPEN_INSTALMENT)
    rows = []
    held_by_loan: dict[str, int] = {}
    for loan_id, customer_id, product, number, due_date, *amounts in fetch_rows(
        f"""
        SELECT l.public_id, l.customer_id, l.product_code, i.number, i.due_date,
               i.principal + i.interest + i.penalty
                 - i.paid_principal - i.paid_interest - i.paid_penalty,
               l.unapplied_balance - l.overdue_principal - l.overdue_interest
                 - l.penalty_receivable
        FROM {INSTALMENT} i CROSS JOIN {LOAN} l
        WHERE i.due_date IN ({dates}) AND i.status IN ({states})
          AND {in_partition(lo, hi, "i.loan_id")}
          AND l.id = i.loan_id AND l.{ACTIVE}
        ORDER BY i.loan_id, i.due_date
        """
    ):
        left, held = amounts
        if loan_id not in held_by_loan:
            held_by_loan[loan_id] = max(held, 0)
        covered = min(left, held_by_loan[loan_id])
        held_by_loan[loan_id] -= covered
        left -= covered
        if left > 0:
            rows.append(
                DueInstalment(loan_id, customer_id, product, number, _as_date(due_date), left)
            )
    return rows


class OverdueNotice(NamedTuple):
    """An active loan on one of the overdue-notice days."""

    loan_id: str  # public id
    customer_id: str
    oldest_unpaid_due_date: dt.date
    dpd: int
    overdue_amount: int


def loans_at_dpd(lo: int, hi: int, days: Sequence[int]) -> list[OverdueNotice]:
    """Active loans with ``lo <= id < hi`` whose dpd is one of ``days`` and owe something."""
    if not days:
        return []
    marks = ", ".join(str(int(day)) for day in days)
    return [
        OverdueNotice(loan_id, customer_id, _as_date(due_date), dpd, amount)
        for loan_id, customer_id, due_date, dpd, amount in fetch_rows(
            f"SELECT public_id, customer_id, oldest_unpaid_due_date, dpd, {OVERDUE_AMOUNT}"
            f" FROM {LOAN} WHERE {in_partition(lo, hi)} AND {ACTIVE} AND dpd IN ({marks})"
            f" AND oldest_unpaid_due_date IS NOT NULL AND {OVERDUE_AMOUNT} > 0 ORDER BY id"
        )
    ]


class DebitDue(NamedTuple):
    """An active loan whose instalment fell due unpaid today: what to debit."""

    loan_id: str  # public id
    customer_id: str
    amount: int  # overdue principal + overdue interest + penalty receivable


def debits_due(lo: int, hi: int, business_date: dt.date) -> list[DebitDue]:
    """Active loans with ``lo <= id < hi``, an instalment due on ``business_date`` still
    unpaid (mark_due has rolled it into the overdue columns) and something owed, by id."""
    day = date_literal(business_date)
    return [
        DebitDue(*row)
        for row in _fetch(
            f"""
            SELECT l.public_id, l.customer_id, {OVERDUE_AMOUNT}
            FROM {LOAN} l
            WHERE l.{ACTIVE} AND {in_partition(lo, hi, "l.id")} AND {OVERDUE_AMOUNT} > 0
              AND l.id IN (
                  SELECT i.loan_id FROM {INSTALMENT} i
                  WHERE i.due_date = {day} AND i.status = '{Instalment.Status.DUE}'
                    AND {in_partition(lo, hi, "i.loan_id")})
            ORDER BY l.id
            """
        )
    ]
