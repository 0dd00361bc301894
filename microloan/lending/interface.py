"""What other apps may use of lending: typed queries and commands (its tables are private).

Each block belongs to one concern; results are frozen dataclasses or typed tuples, never
model instances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from microloan.kernel.actors import Actor
from microloan.kernel.sql import select_one, select_values
from microloan.products.domain import ProductTerms

from .domain import RATE_SCALE as RATE_SCALE

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
from .line_facts import (
    InstalmentHistory,
    LineColumns,
    LineScope,
    TransactionHistory,
    customers_overdue_by_line,
    instalment_history,
    lines_in_scope,
    transaction_history,
    worst_active_dpd,
)
from .models import CreditLine, Instalment, Loan, LoanTransaction
from .reporting import borrower_payments_by_loan_sql as borrower_payments_by_loan_sql
from .reporting import disbursed_by_vintage_sql as disbursed_by_vintage_sql
from .reporting import month_end_positions_sql as month_end_positions_sql
from .services.common import line_not_found, penalty_rate_e8, visible_loan
from .services.lines import OPEN_STATUSES
from .services.lines import open_credit_line as open_credit_line
from .services.product_terms import attach_product_version
from .services.queries import line_apr, loan_apr
from .services.restructure import propose_restructure

# --- for risk, collections, notifications and the demo ---
__all__ = [
    "InstalmentHistory",
    "LineColumns",
    "LineScope",
    "TransactionHistory",
    "customers_overdue_by_line",
    "instalment_history",
    "lines_in_scope",
    "transaction_history",
    "worst_active_dpd",
]

LINE_FROZEN = CreditLine.Status.FROZEN.value
LOAN_ACTIVE = Loan.Status.ACTIVE.value
CHUNK = 500  # ids per IN (…): under every database's parameter cap


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- credit lines ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineRef:
    pk: int
    public_id: str
    customer_id: str
    status: str


def lock_line(line_id: str) -> LineRef | None:
    """Line ``line_id``, its row locked until the caller's transaction ends (None if unknown)."""
    row = (
        CreditLine.objects.select_for_update()
        .filter(public_id=str(line_id)[:60])
        .values_list("pk", "public_id", "customer_id", "status")
        .first()
    )
    return LineRef(*row) if row else None


def first_loan_ids(line_pks: Iterable[int]) -> dict[int, int]:
    """line pk → id of its first (lowest) loan, for the lines that have loans."""
    found: dict[int, int] = {}
    for chunk in _chunks(list(line_pks)):
        found.update(
            Loan.objects.filter(line_id__in=chunk)
            .values("line_id")
            .annotate(first=Min("id"))
            .values_list("line_id", "first")
        )
    return found


def open_lines_of_customers(customer_ids: Iterable[str]) -> list[tuple[int, str]]:
    """(pk, customer id) of the open lines of ``customer_ids`` (indexed look-ups, chunked)."""
    found: list[tuple[int, str]] = []
    for chunk in _chunks(sorted(customer_ids)):
        found += CreditLine.objects.filter(
            status__in=OPEN_STATUSES, customer_id__in=chunk
        ).values_list("pk", "customer_id")
    return found


def open_line_of(customer_id: str) -> str:
    """The customer's open (active or reduced) credit line's public id ("" if none)."""
    return (
        CreditLine.objects.filter(
            customer_id=customer_id,
            status__in=(CreditLine.Status.ACTIVE, CreditLine.Status.REDUCED),
        )
        .values_list("public_id", flat=True)
        .first()
        or ""
    )


def line_available(line_id: str) -> int:
    """What line ``line_id`` has left to draw (fen)."""
    limit, used = CreditLine.objects.values_list("limit", "used").get(public_id=line_id)
    return max(limit - used, 0)


# --- loans -----------------------------------------------------------------------------------


def overdue_past_grace() -> list[tuple[str, int]]:
    """(customer id, line pk) of every line with an active loan past its grace days."""
    return list(
        Loan.objects.filter(status=Loan.Status.ACTIVE, dpd__gt=F("grace_days"))
        .order_by()
        .values_list("customer_id", "line_id")
        .distinct()
    )


def customer_has_overdue_loan(customer_id: str) -> bool:
    return Loan.objects.filter(customer_id=customer_id, dpd__gt=0).exists()


@dataclass(frozen=True, slots=True)
class ActiveLoan:
    public_id: str
    customer_id: str
    dpd: int
    start_date: dt.date | None
    overdue_principal: int
    overdue_interest: int
    penalty_receivable: int
    unapplied_balance: int

    @property
    def arrears_to_pay(self) -> int:
        """Everything overdue, less what the loan holds unapplied already."""
        owed = self.overdue_principal + self.overdue_interest + self.penalty_receivable
        return owed - self.unapplied_balance


_ACTIVE_LOAN = (
    "public_id",
    "customer_id",
    "dpd",
    "start_date",
    "overdue_principal",
    "overdue_interest",
    "penalty_receivable",
    "unapplied_balance",
)


def active_loans(
    *, dpd_min: int = 0, dpd_max: int | None = None, started: bool = False, longest_first=False
) -> list[ActiveLoan]:
    """Active loans with ``dpd_min`` ≤ DPD (≤ ``dpd_max``), disbursed ones only if ``started``;
    by id, or by DPD descending then id with ``longest_first``."""
    loans = Loan.objects.filter(status=Loan.Status.ACTIVE, dpd__gte=dpd_min)
    if dpd_max is not None:
        loans = loans.filter(dpd__lte=dpd_max)
    if started:
        loans = loans.filter(start_date__isnull=False)
    loans = loans.order_by("-dpd", "id") if longest_first else loans.order_by("id")
    return [ActiveLoan(*row) for row in loans.values_list(*_ACTIVE_LOAN)]


def loan_status_counts() -> dict[str, int]:
    """Loan status → loans, by status."""
    rows = Loan.objects.values("status").annotate(n=Count("id")).order_by("status")
    return {row["status"]: row["n"] for row in rows}


def overdue_active_loan_count() -> int:
    return Loan.objects.filter(status=Loan.Status.ACTIVE, dpd__gt=0).count()


def instalment_numbers(loan_ids: Iterable[str], due_dates: Iterable[dt.date]) -> dict:
    """(loan public id, due date) → instalment number, of the instalments not cancelled."""
    rows = (
        Instalment.objects.filter(loan__public_id__in=set(loan_ids), due_date__in=set(due_dates))
        .exclude(status=Instalment.Status.CANCELLED)
        .values_list("loan__public_id", "due_date", "number")
    )
    return {(loan_id, due): number for loan_id, due, number in rows}


def repaid_between(loan_ref: str, after_ref: str, until_ref: str, kinds) -> Coalesce:
    """An expression for a query of another app whose rows name a loan (``loan_ref``, an
    ``OuterRef`` path to the loan's pk): repayments of ``kinds`` booked after ``after_ref`` up
    to ``until_ref`` (dates of the outer row), 0 if none."""
    total = (
        LoanTransaction.objects.filter(
            loan=OuterRef(loan_ref),
            kind__in=kinds,
            business_date__gt=OuterRef(after_ref),
            business_date__lte=OuterRef(until_ref),
        )
        .order_by()
        .values("loan")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(0))


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestructureProposal:
    public_id: str
    status: str
    loan_id: str


def propose_loan_restructure(
    *,
    actor: Actor,
    loan_id: str,
    term_months: int,
    method: str,
    daily_rate: Decimal | str | None = None,
    reason: str,
) -> RestructureProposal:
    """``services.restructure.propose_restructure``: a second person decides."""
    request = propose_restructure(
        actor=actor,
        loan_id=loan_id,
        term_months=term_months,
        method=method,
        daily_rate=daily_rate,
        reason=reason,
    )
    return RestructureProposal(request.public_id, request.status, loan_id)


def add_bench_transactions() -> int:
    """Benchmarks only: a disbursement per loan and a repayment per paid instalment, written
    straight from the schedule (a synthetic book has loans but no ledger); returns all
    transactions."""
    txn, loan, inst = (
        LoanTransaction._meta.db_table,
        Loan._meta.db_table,
        Instalment._meta.db_table,
    )
    columns = (
        "public_id, loan_id, kind, business_date, amount, principal, interest, penalty, fee,"
        " unapplied, journal_entry_id, actor_id, created_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {txn} ({columns}) SELECT 'ltx_d' || l.id, l.id, 'disbursement',"
            f" l.start_date, l.principal, l.principal, 0, 0, 0, 0, '', 'bench', l.created_at"
            f" FROM {loan} l"
        )
        cursor.execute(
            f"INSERT INTO {txn} ({columns}) SELECT 'ltx_r' || i.id, i.loan_id, 'repayment',"
            f" i.paid_on, i.paid_principal + i.paid_interest, i.paid_principal, i.paid_interest,"
            f" 0, 0, 0, '', 'bench', '2026-01-01 00:00:00' FROM {inst} i"
            f" WHERE i.paid_on IS NOT NULL"
        )
    return LoanTransaction.objects.count()


# --- for other apps' end-of-day steps ---
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


# --- for origination, contracts, payments, reports and the back office ---
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


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerLine:
    line_id: str
    status: str  # a LineStatus value
    status_label: str
    limit: int  # fen
    used: int  # fen
    grade: str
    opened_on: dt.date
    expires_on: dt.date


def customer_lines(customer_id: str) -> list[CustomerLine]:
    """The customer's credit lines, any status, newest first (one query)."""
    rows = (
        CreditLine.objects.filter(customer_id=customer_id)
        .order_by("-opened_on", "-id")
        .values_list("public_id", "status", "limit", "used", "grade", "opened_on", "expires_on")
    )
    return [
        CustomerLine(line_id, status, LineStatus(status).label, *rest)
        for line_id, status, *rest in rows
    ]


@dataclass(frozen=True)
class CustomerInstalment:
    number: int
    due_date: dt.date
    principal: int
    interest: int
    status: str
    status_label: str


@dataclass(frozen=True)
class CustomerLoan:
    loan_id: str
    line_id: str
    status: str  # a LoanStatus value
    status_label: str
    principal: int
    principal_outstanding: int
    term_months: int
    start_date: dt.date | None
    maturity_date: dt.date | None
    dpd: int
    schedule: tuple[CustomerInstalment, ...]  # live instalments, by number


def customer_loans(customer_id: str) -> list[CustomerLoan]:
    """The customer's loans with their live schedules, newest first: two queries, however
    many loans."""
    loans = list(
        Loan.objects.filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list(
            "id", "public_id", "line__public_id", "status", "principal",
            "principal_outstanding", "term_months", "start_date", "maturity_date", "dpd",
        )
    )  # fmt: skip
    schedules: dict[int, list[CustomerInstalment]] = {row[0]: [] for row in loans}
    instalments = (
        Instalment.objects.filter(loan__customer_id=customer_id)
        .exclude(status=Instalment.Status.CANCELLED)
        .order_by("loan_id", "number")
        .values_list("loan_id", "number", "due_date", "principal", "interest", "status")
    )
    for loan_pk, number, due, principal, interest, status in instalments:
        label = Instalment.Status(status).label
        schedules.setdefault(loan_pk, []).append(
            CustomerInstalment(number, due, principal, interest, status, label)
        )
    return [
        CustomerLoan(
            loan_id, line_id, status, LoanStatus(status).label, *rest,
            schedule=tuple(schedules[loan_pk]),
        )
        for loan_pk, loan_id, line_id, status, *rest in loans
    ]  # fmt: skip


@dataclass(frozen=True)
class CustomerRepayment:
    loan_id: str
    kind_label: str
    business_date: dt.date
    amount: int
    principal: int
    interest: int
    penalty: int


def customer_repayments(customer_id: str) -> list[CustomerRepayment]:
    """Money the customer paid on their loans, newest first (one query)."""
    rows = (
        LoanTransaction.objects.filter(loan__customer_id=customer_id, kind__in=REPAYMENT_KINDS)
        .order_by("-business_date", "-id")
        .values_list(
            "loan__public_id", "kind", "business_date", "amount", "principal", "interest",
            "penalty",
        )
    )  # fmt: skip
    return [
        CustomerRepayment(loan_id, LoanTransaction.Kind(kind).label, *rest)
        for loan_id, kind, *rest in rows
    ]


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    register_section(
        ProfileSection("lines", _("Credit lines"), "lending.view_creditline", customer_lines, 10)
    )
    register_section(ProfileSection("loans", _("Loans"), "lending.view_loan", customer_loans, 20))
    register_section(
        ProfileSection("repayments", _("Repayments"), "lending.view_loan", customer_repayments, 40)
    )


_register_customer_sections()
