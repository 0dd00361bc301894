"""What end-of-day tests compare: every loan balance, instalment, ledger balance and snapshot."""

from __future__ import annotations

from django.db import connection

from microloan.batch.models import PortfolioSnapshot
from microloan.ledger import accounts as gl
from microloan.ledger.models import JournalEntry
from microloan.ledger.services import gl_balances_by_product
from microloan.lending.models import Instalment, Loan

SKIPPED_LOAN_COLUMNS = {"created_at", "updated_at"}


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(str(value) for value in row) for row in cursor.fetchall()]


def loan_columns() -> list[str]:
    return [
        field.column
        for field in Loan._meta.concrete_fields
        if field.column not in SKIPPED_LOAN_COLUMNS
    ]


def book_state() -> dict:
    """Everything end of day may change, as comparable values."""
    instalment_columns = [f.column for f in Instalment._meta.concrete_fields if f.column != "id"]
    snapshot_columns = [
        f.column for f in PortfolioSnapshot._meta.concrete_fields if f.column != "id"
    ]
    return {
        "loans": _rows(
            f"SELECT {', '.join(loan_columns())} FROM {Loan._meta.db_table} ORDER BY id"
        ),
        "instalments": _rows(
            f"SELECT {', '.join(instalment_columns)} FROM {Instalment._meta.db_table}"
            " ORDER BY loan_id, number"
        ),
        "gl": gl_balances_by_product(account_codes=[spec.code for spec in gl.CHART]),
        "entries": sorted(JournalEntry.objects.values_list("source_ref", flat=True)),
        "snapshots": _rows(
            f"SELECT {', '.join(snapshot_columns)} FROM {PortfolioSnapshot._meta.db_table}"
            " ORDER BY business_date, product_code, category, dpd_bucket"
        ),
    }


def subledger_by_product() -> dict[str, dict[str, int]]:
    """Σ of the loan balances the ledger holds, per product, keyed by GL account."""
    totals: dict[str, dict[str, int]] = {}
    for row in _rows(
        f"SELECT product_code, SUM(principal_outstanding), SUM(interest_receivable),"
        f" SUM(penalty_receivable), SUM(unapplied_balance) FROM {Loan._meta.db_table}"
        " GROUP BY product_code"
    ):
        product, *sums = row
        totals[product] = dict(
            zip(
                (
                    gl.LOANS_PRINCIPAL,
                    gl.INTEREST_RECEIVABLE,
                    gl.PENALTY_RECEIVABLE,
                    gl.UNAPPLIED_RECEIPTS,
                ),
                map(int, sums),
                strict=True,
            )
        )
    return totals


def assert_subledger_equals_gl() -> None:
    ledger = gl_balances_by_product(account_codes=list(next(iter(subledger_by_product().values()))))
    for product, sums in subledger_by_product().items():
        for account, amount in sums.items():
            assert ledger.get(product, {}).get(account, 0) == amount, (product, account)
