"""Set-based reads of lending's tables for reports: SELECT statements another app wraps in its
own statement (``INSERT INTO its_table SELECT … FROM (<this>) p``), so a month-end snapshot
of a million loans stays one statement while the SQL naming lending's tables and columns
lives here, beside the models.

Every builder returns SQL made of literals only (dates and ids are rendered, never taken from
a request), with the columns its docstring names.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import Loan, LoanTransaction

LOAN = Loan._meta.db_table
LOAN_TXN = LoanTransaction._meta.db_table
ACTIVE, PAID_OFF, WRITTEN = Loan.Status.ACTIVE, Loan.Status.PAID_OFF, Loan.Status.WRITTEN_OFF
# Money the borrower's payments applied to a loan (not disbursements, refunds, write-offs).
BORROWER_PAYMENT_KINDS = (
    LoanTransaction.Kind.REPAYMENT,
    LoanTransaction.Kind.PREPAYMENT,
    LoanTransaction.Kind.PAYOFF,
    LoanTransaction.Kind.UNAPPLIED_APPLIED,
)


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _date(day: dt.date) -> str:
    """``day`` as an SQL date value: text on SQLite (how Django stores dates there)."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError("a datetime.date is required")
    return f"'{day.isoformat()}'" if _is_sqlite() else f"DATE '{day.isoformat()}'"


def _month_index(column: str) -> str:
    """``year × 12 + month`` of a date column, as SQL. SQLite stores dates as 'YYYY-MM-DD'
    text: cutting the text is a third cheaper than strftime() over a million rows."""
    if _is_sqlite():
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({column}, 6, 2) AS INTEGER))"
        )
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12"
        f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER))"
    )


def _first_of_month(column: str) -> str:
    """The first day of a date column's month, as SQL (text on SQLite, like Django's dates)."""
    if _is_sqlite():
        return f"(substr({column}, 1, 7) || '-01')"
    return f"CAST(date_trunc('month', {column}) AS DATE)"


def month_end_positions_sql(day: dt.date, lo: int, hi: int) -> str:
    """Loans ``lo <= id < hi`` as they stand at the close of ``day`` (a month end): active
    loans, and loans paid off or written off on a date in ``day``'s month.

    Columns: ``loan_id``, ``product_code``, ``vintage`` (first day of the value date's month),
    ``start_month`` (year × 12 + month of the value date), ``status``, ``dpd`` (0 once paid
    off), ``principal`` (disbursed), ``book_principal`` (outstanding; for a written-off loan
    what its write-off took off the books, the row holding 0 after it; 0 once paid off),
    ``overdue_amount`` (overdue principal + interest + penalty of an active loan).
    """
    today, first = _date(day), _date(day.replace(day=1))
    written_off_principal = (
        f"(SELECT COALESCE(SUM(t.principal), 0) FROM {LOAN_TXN} t"
        f" WHERE t.loan_id = l.id AND t.kind = '{LoanTransaction.Kind.WRITE_OFF}')"
    )
    return f"""
        SELECT l.id AS loan_id, l.product_code AS product_code,
            {_first_of_month("l.start_date")} AS vintage,
            {_month_index("l.start_date")} AS start_month,
            l.status AS status,
            CASE WHEN l.status = '{PAID_OFF}' THEN 0 ELSE l.dpd END AS dpd,
            l.principal AS principal,
            CASE WHEN l.status = '{ACTIVE}' THEN l.principal_outstanding
                 WHEN l.status = '{WRITTEN}' THEN {written_off_principal} ELSE 0 END
                AS book_principal,
            CASE WHEN l.status = '{ACTIVE}'
                 THEN l.overdue_principal + l.overdue_interest + l.penalty_receivable
                 ELSE 0 END AS overdue_amount
        FROM {LOAN} l
        WHERE l.id >= {int(lo)} AND l.id < {int(hi)} AND l.start_date IS NOT NULL
          AND (l.status = '{ACTIVE}'
               OR (l.status IN ('{PAID_OFF}', '{WRITTEN}')
                   AND l.closed_on >= {first} AND l.closed_on <= {today}))
    """


def disbursed_by_vintage_sql() -> str:
    """Loans disbursed per vintage (first day of the value date's month, the same value as
    ``month_end_positions_sql``'s ``vintage``). Columns: ``vintage``, ``loans``,
    ``principal``."""
    vintage = _first_of_month("start_date")
    not_disbursed = f"'{Loan.Status.PENDING_DISBURSEMENT}', '{Loan.Status.CANCELLED}'"
    return (
        f"SELECT {vintage} AS vintage, COUNT(*) AS loans, SUM(principal) AS principal"
        f" FROM {LOAN} WHERE start_date IS NOT NULL AND status NOT IN ({not_disbursed})"
        f" GROUP BY {vintage}"
    )


def borrower_payments_by_loan_sql(first: dt.date, last: dt.date, loan_ids_sql: str) -> str:
    """What the borrower's payments applied (principal, interest, penalty, fee) to each loan of
    ``loan_ids_sql`` (a SELECT of loan row ids, the caller's) with a business date from
    ``first`` to ``last``. Columns: ``loan_id``, ``paid``."""
    kinds = ", ".join(f"'{kind}'" for kind in BORROWER_PAYMENT_KINDS)
    return f"""
        SELECT loan_id, SUM(principal + interest + penalty + fee) AS paid FROM {LOAN_TXN}
        WHERE kind IN ({kinds})
          AND business_date >= {_date(first)} AND business_date <= {_date(last)}
          AND loan_id IN ({loan_ids_sql})
        GROUP BY loan_id
    """
