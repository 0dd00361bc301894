"""Events lending publishes (``kernel.events``): what happened to a credit line or a loan.

Money is integer fen; ids are public ids; ``business_date`` is the business date it happened on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LoanDrawn(DomainEvent):
    """A borrower drew a loan on a line; it waits for its contract to be signed."""

    name: ClassVar[str] = "loan.drawn"
    customer_id: str
    loan_id: str
    line_id: str
    amount: int
    term_months: int
    business_date: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class LoanDisbursed(DomainEvent):
    """The loan's money reached the borrower; its schedule runs from ``business_date``."""

    name: ClassVar[str] = "loan.disbursed"
    customer_id: str
    loan_id: str
    amount: int
    business_date: dt.date
    first_due_date: dt.date
    first_due_amount: int


@dataclass(frozen=True, kw_only=True)
class LoanCancelled(DomainEvent):
    """A loan was cancelled before its money left."""

    name: ClassVar[str] = "loan.cancelled"
    customer_id: str
    loan_id: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RepaymentPosted(DomainEvent):
    name: ClassVar[str] = "repayment.posted"
    customer_id: str
    loan_id: str
    amount: int
    transaction_id: str
    source_ref: str
    business_date: dt.date


@dataclass(frozen=True, kw_only=True)
class ManualPostingRecorded(DomainEvent):
    """Staff recorded by hand money the bank reported (``bank_reference``)."""

    name: ClassVar[str] = "manual_posting.recorded"
    loan_id: str
    channel: str
    bank_reference: str


@dataclass(frozen=True, kw_only=True)
class LineFrozen(DomainEvent):
    name: ClassVar[str] = "line.frozen"
    customer_id: str
    line_id: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class LineLimitChanged(DomainEvent):
    name: ClassVar[str] = "line.limit_changed"
    customer_id: str
    line_id: str
    old_limit: int
    new_limit: int
    reason: str = ""
