"""What other apps may use of lending: typed queries (frozen dataclasses, never model
instances) and commands. Lending's tables are private; import this module, not
``lending.models``.
"""

from __future__ import annotations

# --- bounds-a ---
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from microloan.kernel.actors import Actor
from microloan.kernel.sql import select_one, select_values
from microloan.products.domain import ProductTerms

from .domain import RATE_SCALE as RATE_SCALE
from .models import CreditLine, Instalment, Loan
from .reporting import borrower_payments_by_loan_sql as borrower_payments_by_loan_sql
from .reporting import disbursed_by_vintage_sql as disbursed_by_vintage_sql
from .reporting import month_end_positions_sql as month_end_positions_sql
from .services.common import line_not_found, penalty_rate_e8, visible_loan
from .services.lines import OPEN_STATUSES
from .services.lines import open_credit_line as open_credit_line
from .services.product_terms import attach_product_version
from .services.queries import line_apr, loan_apr

# The status vocabularies (enums of plain strings; not the models).
LoanStatus = Loan.Status
LineStatus = CreditLine.Status


@dataclass(frozen=True)
class LineTerms:
    """A credit line's offer as its agreement states it."""

    line_id: str
    customer_id: str
    limit: int
    daily_rate: Decimal
    apr: Decimal  # the highest APR a loan on the line can have
    opened_on: dt.date
    expires_on: dt.date
    grade: str
    product_code: str
    product_terms: ProductTerms
    penalty_daily_rate: Decimal  # what a drawdown on this line will charge on overdue principal


def line_terms(line_id: str) -> LineTerms:
    """The line's terms (404 ``line_not_found``)."""
    # Prepared SQL and the cached product version: every approval asks.
    line = select_one(CreditLine, '"public_id" = %s', [str(line_id)[:60]])
    if line is None:
        raise line_not_found(line_id)
    version = attach_product_version(line)
    terms = version.terms()
    return LineTerms(
        line_id=line.public_id,
        customer_id=line.customer_id,
        limit=line.limit,
        daily_rate=line.daily_rate,
        apr=line_apr(line),
        opened_on=line.opened_on,
        expires_on=line.expires_on,
        grade=line.grade,
        product_code=version.product.code,
        product_terms=terms,
        penalty_daily_rate=(
            Decimal(penalty_rate_e8(line.daily_rate, terms.penalty_multiplier)) / RATE_SCALE
        ),
    )


@dataclass(frozen=True)
class LoanTerms:
    """A drawn loan's contract terms, as fixed at drawdown."""

    loan_id: str
    line_id: str
    customer_id: str
    principal: int
    daily_rate: Decimal
    apr: Decimal  # IRR method
    term_months: int
    method: str
    product_code: str
    product_terms: ProductTerms
    penalty_daily_rate: Decimal  # from the loan row: what end of day charges
    day_count: int
    grace_days: int


def loan_terms(*, actor: Actor, loan_id: str) -> LoanTerms:
    """The loan's terms, to its borrower or to staff with the view permission (404
    ``loan_not_found``)."""
    loan = visible_loan(actor, loan_id)
    return LoanTerms(
        loan_id=loan.public_id,
        line_id=loan.line.public_id,
        customer_id=loan.customer_id,
        principal=loan.principal,
        daily_rate=loan.daily_rate,
        apr=loan_apr(loan),
        term_months=loan.term_months,
        method=loan.method,
        product_code=loan.product_version.product.code,
        product_terms=loan.product_version.terms(),
        penalty_daily_rate=Decimal(loan.penalty_rate_e8) / RATE_SCALE,
        day_count=loan.day_count,
        grace_days=loan.grace_days,
    )


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    start_date: dt.date
    due_date: dt.date
    principal: int
    interest: int
    balance_after: int


def loan_schedule_rows(loan_id: str) -> list[ScheduleRow]:
    """The loan's live instalments (cancelled ones left out), by number."""
    return [
        ScheduleRow(*row)
        for row in Instalment.objects.filter(loan__public_id=str(loan_id)[:60])
        .exclude(status=Instalment.Status.CANCELLED)
        .order_by("number")
        .values_list("number", "start_date", "due_date", "principal", "interest", "balance_after")
    ]


def loan_status(loan_id: str) -> str | None:
    """The loan's status (a ``LoanStatus`` value), None if there is no such loan."""
    found = select_values(Loan, ["status"], '"public_id" = %s', [str(loan_id)[:60]], limit=1)
    return found[0][0] if found else None


@dataclass(frozen=True)
class LineState:
    status: str  # a LineStatus value
    expires_on: dt.date

    @property
    def frozen(self) -> bool:
        return self.status == LineStatus.FROZEN

    def open_on(self, day: dt.date) -> bool:
        """Open for new contracts and drawdowns on ``day``: active or reduced, not expired."""
        return self.status in (LineStatus.ACTIVE, LineStatus.REDUCED) and self.expires_on >= day


def line_state(line_id: str) -> LineState | None:
    """The line's status and expiry, None if there is no such line."""
    found = (
        CreditLine.objects.filter(public_id=str(line_id)[:60])
        .values_list("status", "expires_on")
        .first()
    )
    return LineState(*found) if found else None


def line_status_of_loan(loan_id: str) -> str | None:
    """The status of the line the loan was drawn on (one query), None if no such loan."""
    return (
        CreditLine.objects.filter(loans__public_id=str(loan_id)[:60])
        .values_list("status", flat=True)
        .first()
    )


@dataclass(frozen=True)
class LoanForOrder:
    """What a payment order needs to know of its loan."""

    loan_id: str
    customer_id: str
    status: str  # a LoanStatus value
    principal: int
    principal_outstanding: int
    interest_receivable: int
    penalty_receivable: int
    unapplied_balance: int

    @property
    def owed(self) -> int:
        return self.principal_outstanding + self.interest_receivable + self.penalty_receivable


_ORDER_FIELDS = tuple(name for name in LoanForOrder.__dataclass_fields__ if name != "loan_id")


def loan_for_order(loan_id: str, *, lock: bool = False) -> LoanForOrder | None:
    """The loan's balances and status, None if there is no such loan; ``lock`` takes the
    loan's row lock for the rest of the caller's transaction."""
    # Prepared SQL: every payment order asks.
    loan = select_one(
        Loan, '"public_id" = %s', [str(loan_id)[:60]], fields=("public_id", *_ORDER_FIELDS),
        lock=lock,
    )  # fmt: skip
    if loan is None:
        return None
    return LoanForOrder(loan.public_id, *(getattr(loan, name) for name in _ORDER_FIELDS))


@dataclass(frozen=True)
class CustomerCredit:
    limits: int  # of the customer's open lines (fen)
    used: int  # of those lines (fen)
    lines_ever: int  # any status


def customer_credit(customer_id: str) -> CustomerCredit:
    """The customer's open credit lines totalled, and how many lines they ever had."""
    # The customer's few lines as plain rows (prepared SQL), totalled here.
    rows = select_values(
        CreditLine, ["limit", "used", "status"], '"customer_id" = %s', [customer_id]
    )
    limits = used = ever = 0
    for line_limit, line_used, status in rows:
        ever += 1
        if status in OPEN_STATUSES:
            limits += line_limit
            used += line_used
    return CustomerCredit(limits, used, ever)


def delinquent_loan_count(customer_id: str) -> int:
    """The customer's loans past due now (lending keeps no per-loan history of past
    delinquency, so a cured loan does not count)."""
    return Loan.objects.filter(customer_id=customer_id, dpd__gt=0).count()


# --- end bounds-a ---
