"""Loan sub-ledger against the general ledger, per product and in total (docs/servicing.md).

Σ loan ``principal_outstanding`` = 1301, Σ ``interest_receivable`` = 1302,
Σ ``penalty_receivable`` = 1303, Σ ``unapplied_balance`` = 2241, to the fen. Loans of every
status count (a paid-off loan may still hold a refundable credit). GL balances are taken on the
natural side of each account: debit balances for the receivables, a credit balance for 2241.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Sum

from microloan.kernel.money import to_yuan_str
from microloan.kernel.services import get_business_date
from microloan.ledger import accounts as gl

from ..models import Loan
from . import postings

TOTAL = "*"
# (sub-ledger column, GL account)
PAIRS = (
    ("principal_outstanding", gl.LOANS_PRINCIPAL),
    ("interest_receivable", gl.INTEREST_RECEIVABLE),
    ("penalty_receivable", gl.PENALTY_RECEIVABLE),
    ("unapplied_balance", gl.UNAPPLIED_RECEIPTS),
)


@dataclass(frozen=True)
class ReconciliationRow:
    product_code: str  # TOTAL for the sum over products
    account: str
    subledger: int
    general_ledger: int

    @property
    def difference(self) -> int:
        return self.subledger - self.general_ledger

    def as_reply(self) -> dict:
        return {
            "product_code": self.product_code,
            "account": self.account,
            "subledger": to_yuan_str(self.subledger),
            "general_ledger": to_yuan_str(self.general_ledger),
            "difference": to_yuan_str(self.difference),
        }


@dataclass(frozen=True)
class Reconciliation:
    business_date: dt.date
    rows: tuple[ReconciliationRow, ...]

    @property
    def breaks(self) -> tuple[ReconciliationRow, ...]:
        return tuple(row for row in self.rows if row.difference)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_reply(self) -> dict:
        return {
            "ok": self.ok,
            "rows": [row.as_reply() for row in self.rows],
            "breaks": [row.as_reply() for row in self.breaks],
        }

    def as_dict(self) -> dict:
        return {"business_date": self.business_date, "rows": [asdict(r) for r in self.rows]}


def _subledger_by_product() -> dict[str, dict[str, int]]:
    sums = Loan.objects.values("product_code").annotate(
        **{column: Sum(column) for column, _account in PAIRS}
    )
    return {
        row["product_code"]: {column: row[column] or 0 for column, _account in PAIRS}
        for row in sums
    }


def reconcile(*, business_date: dt.date | None = None) -> Reconciliation:
    """Compare the loan balances now with the GL balances; ``business_date`` labels the result
    (today's business date by default)."""
    subledger = _subledger_by_product()
    general = postings.balances_by_product([account for _column, account in PAIRS])
    products = sorted(set(subledger) | set(general))
    rows: list[ReconciliationRow] = []
    for column, account in PAIRS:
        total_sub = total_gl = 0
        for product in products:
            sub = subledger.get(product, {}).get(column, 0)
            book = general.get(product, {}).get(account, 0)
            rows.append(ReconciliationRow(product, account, sub, book))
            total_sub, total_gl = total_sub + sub, total_gl + book
        rows.append(ReconciliationRow(TOTAL, account, total_sub, total_gl))
    return Reconciliation(business_date=business_date or get_business_date(), rows=tuple(rows))
