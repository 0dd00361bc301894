"""Applying money to what a loan owes; shared by repayments, prepayments, payoffs and write-offs.

What is *due* on business day X (docs/servicing.md, "Repayment"): the loan's penalties, and the
unpaid principal and interest of every live instalment due on or before X. An instalment is
*rolled* once end of day has marked it due and moved its unpaid amounts into the loan's
``overdue_principal``/``overdue_interest``: its due date is before the loan's ``next_due_date``
(or no instalment is left to come). Paying a rolled instalment lowers those columns too; paying
the instalment due today (not rolled yet) lowers only the receivables, and end of day then rolls
it with nothing left unpaid. Rolled instalments are the ``overdue`` components of the product's
allocation order, the instalment due today the ``current`` ones.

Penalties are a loan-level balance. They are offered on the oldest due instalment, except a
penalty a restructuring carried onto a future instalment (``Instalment.penalty``), which is due
only from that instalment's due date. With no instalment due, a remaining penalty is offered on
its own (instalment number 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import Conflict
from microloan.loanmath.allocation import Allocation, InstalmentDue, allocate_payment

from ..classification import Category, classify
from ..models import Instalment, Loan

LIVE = (Instalment.Status.SCHEDULED, Instalment.Status.DUE)
PENALTY_ONLY = 0  # pseudo instalment number carrying a penalty when no instalment is due
BALANCE_FIELDS = (
    "principal_outstanding",
    "overdue_principal",
    "interest_receivable",
    "overdue_interest",
    "penalty_receivable",
    "unapplied_balance",
)


def live_instalments(loan: Loan) -> list[Instalment]:
    """The loan's instalments not yet paid or cancelled, locked, in order."""
    return list(
        Instalment.objects.select_for_update().filter(loan=loan, status__in=LIVE).order_by("number")
    )


def is_rolled(loan: Loan, instalment: Instalment) -> bool:
    return loan.next_due_date is None or instalment.due_date < loan.next_due_date


def unpaid_principal(instalment: Instalment) -> int:
    return instalment.principal - instalment.paid_principal


def unpaid_interest(instalment: Instalment) -> int:
    return instalment.interest - instalment.paid_interest


def carried_penalty(instalment: Instalment) -> int:
    return max(instalment.penalty - instalment.paid_penalty, 0)


def penalty_not_yet_due(instalments: list[Instalment], on: dt.date) -> int:
    return sum(carried_penalty(i) for i in instalments if i.due_date > on)


@dataclass(frozen=True)
class Dues:
    """What is due on a date, one row per instalment, as the allocation rules take it."""

    rows: tuple[InstalmentDue, ...]
    instalments: dict[int, Instalment]

    @property
    def total(self) -> int:
        return sum(r.principal_due + r.interest_due + r.penalty_due for r in self.rows)

    @property
    def principal(self) -> int:
        return sum(r.principal_due for r in self.rows)


def dues_on(loan: Loan, instalments: list[Instalment], on: dt.date) -> Dues:
    """Everything due on ``on`` (see the module doc); ``instalments`` are the live ones."""
    due = [i for i in instalments if i.due_date <= on]
    penalty_left = max(loan.penalty_receivable - penalty_not_yet_due(instalments, on), 0)
    penalties = []
    for inst in due:
        part = min(carried_penalty(inst), penalty_left)
        penalties.append(part)
        penalty_left -= part
    if due:
        penalties[0] += penalty_left  # the oldest carries the penalty nobody else carries
        penalty_left = 0
    rows = [
        InstalmentDue(
            number=inst.number,
            due_date=inst.due_date,
            is_overdue=is_rolled(loan, inst),
            principal_due=unpaid_principal(inst),
            interest_due=unpaid_interest(inst),
            penalty_due=penalty,
        )
        for inst, penalty in zip(due, penalties, strict=True)
    ]
    if penalty_left:
        rows.append(InstalmentDue(PENALTY_ONLY, on, True, 0, 0, penalty_left))
    # The instalment due today is payable once end of day has accrued its whole period.
    current_interest = sum(r.interest_due for r in rows if not r.is_overdue)
    if current_interest > loan.interest_receivable - loan.overdue_interest:
        raise Conflict(
            _("Interest on this loan is not accrued up to today; end of day has not run."),
            code="accrual_not_current",
            fields={"loan_id": loan.public_id},
        )
    return Dues(rows=tuple(rows), instalments={i.number: i for i in due})


@dataclass
class Applied:
    """Totals a payment settled, per component."""

    penalty: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def total(self) -> int:
        return self.penalty + self.interest + self.principal


def allocate_dues(dues: Dues, amount: int, order) -> Allocation:
    """Split ``amount`` over ``dues`` by the product's allocation ``order``."""
    return allocate_payment(amount=amount, instalments=dues.rows, order=order)


def apply_allocation(loan: Loan, dues: Dues, allocation: Allocation, on: dt.date) -> Applied:
    """Book ``allocation`` on the instalments (saved) and the loan's balances (in memory)."""
    applied = Applied()
    for row in allocation.instalments:
        if row.total == 0:
            continue
        applied.penalty += row.penalty
        applied.interest += row.interest
        applied.principal += row.principal
        if row.is_overdue:
            loan.overdue_interest -= row.interest
            loan.overdue_principal -= row.principal
        inst = dues.instalments.get(row.number)
        if inst is None:
            continue
        inst.paid_principal += row.principal
        inst.paid_interest += row.interest
        inst.paid_penalty += row.penalty
        inst.penalty = max(inst.penalty, inst.paid_penalty)  # charged against it, as paid
        settled = not (unpaid_principal(inst) or unpaid_interest(inst) or carried_penalty(inst))
        inst.status = Instalment.Status.PAID if settled else Instalment.Status.DUE
        inst.paid_on = on if settled else None
        inst.save(
            update_fields=[
                "paid_principal",
                "paid_interest",
                "paid_penalty",
                "penalty",
                "status",
                "paid_on",
            ]
        )
    loan.penalty_receivable -= applied.penalty
    loan.interest_receivable -= applied.interest
    loan.principal_outstanding -= applied.principal
    check_balances(loan)
    return applied


def check_balances(loan: Loan) -> None:
    """Refuse to write a negative balance: it means the row and its instalments disagree."""
    negative = [name for name in BALANCE_FIELDS if getattr(loan, name) < 0]
    if negative or loan.overdue_principal > loan.principal_outstanding:
        raise Conflict(
            _("The loan's balances do not agree with its instalments."),
            code="loan_state_inconsistent",
            fields={"loan_id": loan.public_id, "balances": ", ".join(negative) or "overdue"},
        )


def refresh_delinquency(loan: Loan, instalments: list[Instalment]) -> None:
    """Move the oldest unpaid due date forward after a payment, and DPD and category with it.

    DPD is shifted by as many days as the oldest unpaid due date moved, so it stays what end of
    day last computed for the instalments still unpaid, whichever day end of day last ran.
    """
    oldest = min(
        (
            i.due_date
            for i in instalments
            if i.status in LIVE
            and is_rolled(loan, i)
            and (unpaid_principal(i) or unpaid_interest(i))
        ),
        default=None,
    )
    previous = loan.oldest_unpaid_due_date
    if oldest == previous:
        return
    if oldest is None:
        loan.dpd = 0
    elif previous is not None:
        loan.dpd = max(loan.dpd - (oldest - previous).days, 0)
    loan.oldest_unpaid_due_date = oldest
    loan.category = str(classify(loan.dpd, loan.restructured))


def nothing_owed(loan: Loan) -> bool:
    return not (loan.principal_outstanding or loan.interest_receivable or loan.penalty_receivable)


def close_loan(
    loan: Loan, instalments: list[Instalment], on: dt.date, *, status: str = Loan.Status.PAID_OFF
) -> None:
    """Close ``loan`` on ``on`` (paid off, or written off); instalments still live (prepaid or
    written off) are cancelled and the current period ends. A written-off loan keeps the days
    past due it was written off at, and is classified loss."""
    still_live = [i for i in instalments if i.status in LIVE]
    Instalment.objects.filter(pk__in=[i.pk for i in still_live]).update(
        status=Instalment.Status.CANCELLED
    )
    for inst in still_live:
        inst.status = Instalment.Status.CANCELLED
    loan.status = status
    loan.closed_on = on
    loan.overdue_principal = loan.overdue_interest = 0
    loan.next_due_date = None
    loan.period_principal = loan.period_accrued = loan.period_days_accrued = 0
    if status == Loan.Status.WRITTEN_OFF:
        loan.category = str(Category.LOSS)
        return
    loan.oldest_unpaid_due_date = None
    loan.dpd = 0
    loan.category = str(classify(0, loan.restructured))


LOAN_STATE_FIELDS = [
    *BALANCE_FIELDS,
    "status",
    "closed_on",
    "next_due_date",
    "next_instalment_number",
    "maturity_date",
    "period_start_date",
    "period_principal",
    "period_days_accrued",
    "period_accrued",
    "oldest_unpaid_due_date",
    "dpd",
    "category",
]
