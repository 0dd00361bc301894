"""Helpers shared by lending tests: make lines and loans through the services, run end of day,
and look at the ledger (how many lines, which balances) to prove nothing was posted."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from microloan.batch.services import run_eod as batch_run_eod
from microloan.customers.testing import ensure_customer
from microloan.kernel.actors import Actor
from microloan.kernel.models import BusinessDate
from microloan.kernel.services import get_business_date
from microloan.ledger import accounts as gl
from microloan.ledger.models import JournalLine
from microloan.ledger.services import account_balances, trial_balance
from microloan.lending.models import Loan
from microloan.lending.services import drawdowns, lines

EOD_ACTOR = Actor.system("test-eod")
# What the payments app posts as when the bank reports money moved (see payments.services.orders).
BANK = Actor.system("payments")
_refs = itertools.count(1)


def ref(prefix: str = "test") -> str:
    return f"{prefix}:{next(_refs)}"


def open_line(actor, product_version, *, customer="cust_test_a", limit=5_000_000, rate="0.0005"):
    """A line for ``customer`` (registered now if the test only named them)."""
    ensure_customer(customer)
    return lines.open_credit_line(
        actor=actor,
        customer_id=customer,
        product_version_id=product_version.public_id,
        limit=limit,
        daily_rate=Decimal(rate),
        grade="",
    )


def active_loan(line, *, amount=1_200_000, term=5, method="equal_instalment", on=None) -> Loan:
    """A loan drawn and disbursed on ``on`` (the business date by default), as the bank's
    result on the disbursement order would disburse it."""
    on = on or get_business_date()
    loan = drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=amount,
        term_months=term,
        method=method,
        business_date=on,
    )
    return drawdowns.disburse_loan(actor=BANK, loan_id=loan.public_id, business_date=on)


def run_eod(days: int = 1) -> dt.date:
    """Run end of day ``days`` times; returns the new business date."""
    for _ in range(days):
        batch_run_eod(actor=EOD_ACTOR)
    return get_business_date()


def run_eod_until(day: dt.date) -> dt.date:
    """End of day for every business date before ``day``, so ``day`` is today."""
    return run_eod((day - get_business_date()).days)


def fresh(loan: Loan) -> Loan:
    return Loan.objects.get(pk=loan.pk)


class LedgerProbe:
    """Counts and balances of the general ledger, for "nothing was posted" assertions."""

    ACCOUNTS = (
        gl.BANK_CLEARING,
        gl.LOANS_PRINCIPAL,
        gl.INTEREST_RECEIVABLE,
        gl.PENALTY_RECEIVABLE,
        gl.LOAN_LOSS_ALLOWANCE,
        gl.UNAPPLIED_RECEIPTS,
        gl.FEE_INCOME,
        gl.CREDIT_IMPAIRMENT_LOSS,
    )

    def line_count(self) -> int:
        return JournalLine.objects.count()

    def balances(self) -> dict[str, int]:
        """Balances on each account's normal side (credit-normal accounts positive in credit)."""
        return account_balances(account_codes=self.ACCOUNTS)

    def balance(self, account: str) -> int:
        return self.balances().get(account, 0)

    def state(self) -> tuple[int, dict[str, int]]:
        return self.line_count(), self.balances()

    def balanced(self) -> bool:
        return trial_balance().balanced


def jump_to(day: dt.date) -> dt.date:
    """Make ``day`` the business date, end of day having run for the day before.

    Skips the days in between: interest accrual is cumulative per period (docs/servicing.md),
    so nothing is lost on a loan that is not overdue; penalties, charged per day, would be.
    Use ``run_eod`` day by day where penalties matter, and never jump past a loan's next due
    date (end of day rolls a loan only on that exact day).
    """
    BusinessDate.objects.filter(id=1).update(current=day - dt.timedelta(days=1))
    return run_eod(1)


def advance(days: int) -> dt.date:
    """Move ``days`` business days on with the real end of day, quickly.

    Runs end of day for every day on which a loan has overdue principal (penalties are charged
    per day) and for every due date; the days between, on which end of day would only accrue
    interest, are skipped with ``jump_to`` (accrual is cumulative per period, so the books come
    out the same).
    """
    target = get_business_date() + dt.timedelta(days=days)
    while (today := get_business_date()) < target:
        active = Loan.objects.filter(status=Loan.Status.ACTIVE)
        if active.filter(overdue_principal__gt=0).exists():
            run_eod(1)
            continue
        next_due = active.exclude(next_due_date=None).order_by("next_due_date")
        next_due = next_due.values_list("next_due_date", flat=True).first()
        # Jump at most to the next due date: end of day must accrue the whole period (up to
        # the day before) before the due date's own end of day rolls it.
        stop = min(target, next_due) if next_due else target
        if stop <= today + dt.timedelta(days=1):
            run_eod(1)
        else:
            jump_to(stop)
    return get_business_date()
