"""What other apps may use of lending: typed queries and commands (its tables are private).

Each block belongs to one concern; results are frozen dataclasses or typed tuples, never
model instances.
"""

from __future__ import annotations

__all__: list[str] = []  # each block adds its names

# --- eod ---
# Set-based reads of the loan book for other apps' end-of-day hooks (lending.eod.queries):
# one statement per call over an id-range partition, rows as typed tuples.
from .eod.queries import (
    REPAYMENT_KINDS,
    DebitDue,
    DueInstalment,
    LoanStanding,
    OverdueLoan,
    OverdueNotice,
    debits_due,
    instalments_due,
    loan_public_ids,
    loan_standings,
    loans_at_dpd,
    overdue_loans,
    repayments_by_day,
)

__all__ += [
    "REPAYMENT_KINDS",
    "DebitDue",
    "DueInstalment",
    "LoanStanding",
    "OverdueLoan",
    "OverdueNotice",
    "debits_due",
    "instalments_due",
    "loan_public_ids",
    "loan_standings",
    "loans_at_dpd",
    "overdue_loans",
    "repayments_by_day",
]
# --- end eod ---
