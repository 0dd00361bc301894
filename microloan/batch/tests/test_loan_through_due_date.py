"""One real loan (drawn and disbursed through lending) taken day by day through its first due
date by end of day: accrual to the fen, DPD and category at the grace boundary, penalty only
after grace, provisions, and the ledger equal to the loan after every day."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.kernel.actors import Actor
from microloan.kernel.rounding import round_fen
from microloan.kernel.services import get_business_date
from microloan.ledger import accounts as gl
from microloan.ledger.services import account_balances
from microloan.lending.eod.provisions import PROVISION_RATES
from microloan.lending.models import Instalment, Loan
from microloan.lending.services.repayments import repay

from .conftest import make_loan, make_product_version
from .helpers import assert_subledger_equals_gl

pytestmark = pytest.mark.django_db
DAYS_AFTER_DUE = 5  # EOD(due) … EOD(due + 4)
BANK = Actor.system("payments")  # repayments post from the bank's result


def _eod_until(day: dt.date) -> None:
    while get_business_date() < day:
        run_eod(actor=BATCH_ACTOR)


def _fresh(loan: Loan) -> Loan:
    return Loan.objects.get(pk=loan.pk)


def _required_allowance(loan: Loan) -> int:
    exact = Decimal(loan.principal_outstanding) * PROVISION_RATES[loan.category]
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# One product per case so each case's provisions and ledger balances can be read apart.
ACCRUAL_CASES = [
    ("ACCA", "equal_instalment", "half_up"),
    ("ACCB", "equal_principal", "half_even"),
    ("ACCC", "interest_first", "down"),
    ("ACCD", "equal_instalment", "up"),  # (a bullet loan's period is the same SQL, months long)
]


def test_daily_accrual_adds_up_to_the_schedule_interest_on_the_due_date(start_day, ops):
    rate = Decimal("0.00037")
    loans = {
        code: make_loan(
            ops,
            make_product_version(ops, code=code, rounding=rounding),
            amount=1_234_567,
            term=5,
            method=method,
            rate=str(rate),
            customer=f"cust_{code.lower()}",
        )
        for code, method, rounding in ACCRUAL_CASES
    }
    first = {
        code: Instalment.objects.filter(loan=loan).order_by("number").first()
        for code, loan in loans.items()
    }
    due = first["ACCA"].due_date
    assert all(instalment.due_date == due for instalment in first.values())
    accrued = dict.fromkeys(loans, 0)
    while get_business_date() < due:
        day = get_business_date()
        run_eod(actor=BATCH_ACTOR)
        for code, _method, rounding in ACCRUAL_CASES:
            loan = _fresh(loans[code])
            days = (day - first[code].start_date).days + 1
            expected = round_fen(Decimal(loan.principal) * rate * days, rounding)
            assert loan.period_days_accrued == days, code
            assert loan.period_accrued == expected, code
            assert loan.last_accrual_amount == expected - accrued[code], code
            assert loan.last_accrual_date == day, code
            accrued[code] = expected
    # The business date is the due date: each period accrued exactly its schedule interest.
    for code, instalment in first.items():
        loan = _fresh(loans[code])
        assert loan.period_accrued == loan.interest_receivable == instalment.interest, code
        balances = account_balances(product_code=code)
        assert (
            balances[gl.INTEREST_RECEIVABLE] == balances[gl.INTEREST_INCOME] == instalment.interest
        )
    assert_subledger_equals_gl()


# Paid on: None (never), or days after the due date. Per EOD(due + k), k = 0…4:
# DPD, category, and penalty days charged so far (grace 1: the first charged day is due + 2).
N, SM = "normal", "special_mention"
CASES = {
    None: ([0, 1, 2, 3, 4], [N, SM, SM, SM, SM], [0, 0, 1, 2, 3]),
    0: ([0, 0, 0, 0, 0], [N, N, N, N, N], [0, 0, 0, 0, 0]),
    1: ([0, 0, 0, 0, 0], [N, N, N, N, N], [0, 0, 0, 0, 0]),
    2: ([0, 1, 0, 0, 0], [N, SM, N, N, N], [0, 0, 0, 0, 0]),
    3: ([0, 1, 2, 0, 0], [N, SM, SM, N, N], [0, 0, 1, 1, 1]),
}
CASE_PRODUCTS = {
    paid_after: f"PAY{'N' if paid_after is None else paid_after}" for paid_after in CASES
}


def test_due_date_with_and_without_payment(start_day, ops):
    """Five identical loans (one product each) through their first due date; each is paid
    on a different day (or never)."""
    loans = {
        paid_after: make_loan(
            ops,
            make_product_version(ops, code=code),
            amount=1_200_000,
            term=5,
            method="equal_instalment",
            customer=f"cust_{code.lower()}",
        )
        for paid_after, code in CASE_PRODUCTS.items()
    }
    first = Instalment.objects.filter(loan=loans[None]).order_by("number").first()
    second_due = Instalment.objects.get(loan=loans[None], number=2).due_date
    daily_penalty = round_fen(Decimal(first.principal) * Decimal("0.0005") * Decimal("1.5"))
    _eod_until(first.due_date)

    for k in range(DAYS_AFTER_DUE):
        today = get_business_date()
        assert today == first.due_date + dt.timedelta(days=k)
        for paid_after, loan in loans.items():
            if paid_after == k:
                owed = first.principal + first.interest + _fresh(loan).penalty_receivable
                repay(
                    actor=BANK,
                    loan_id=loan.public_id,
                    amount=owed,
                    business_date=today,
                    source_ref=f"test-pay:{k}",
                )
        run_eod(actor=BATCH_ACTOR)
        for paid_after, (dpd, category, penalty_days) in CASES.items():
            code, loan = CASE_PRODUCTS[paid_after], _fresh(loans[paid_after])
            balances = account_balances(product_code=code)
            where = f"paid after {paid_after}, after EOD(due + {k})"
            assert (loan.dpd, loan.category, balances[gl.PENALTY_INCOME]) == (
                dpd[k],
                category[k],
                penalty_days[k] * daily_penalty,
            ), where
            unpaid = paid_after is None or k < paid_after
            assert loan.overdue_principal == (first.principal if unpaid else 0), where
            assert loan.overdue_interest == (first.interest if unpaid else 0), where
            assert loan.oldest_unpaid_due_date == (first.due_date if unpaid else None), where
            # The next period accrues on the balance after the first instalment only.
            assert loan.period_principal == first.balance_after, where
            assert loan.next_due_date == second_due, where
            # Provisions: the allowance is the rate of today's category on the principal.
            assert balances[gl.LOAN_LOSS_ALLOWANCE] == _required_allowance(loan), where
            assert balances[gl.CREDIT_IMPAIRMENT_LOSS] == balances[gl.LOAN_LOSS_ALLOWANCE]
    assert_subledger_equals_gl()


def test_penalty_rounds_by_the_product_mode_on_overdue_principal(start_day, ops):
    version = make_product_version(ops, rounding="down")
    loan = make_loan(
        ops, version, amount=1_000_001, term=5, method="equal_principal", rate="0.00033"
    )
    only = Instalment.objects.get(loan=loan, number=1)
    _eod_until(only.due_date + dt.timedelta(days=3))  # EOD(due + 2) charged one day
    exact = Decimal(only.principal) * Decimal("0.00033") * Decimal("1.5")
    loan = _fresh(loan)
    assert loan.last_penalty_amount == round_fen(exact, "down")
    assert loan.penalty_receivable == round_fen(exact, "down")
    assert loan.last_penalty_date == only.due_date + dt.timedelta(days=2)


def test_a_held_overpayment_pays_the_instalment_when_it_falls_due(start_day, ops):
    version = make_product_version(ops)
    loan = make_loan(ops, version, amount=1_200_000, term=5, method="equal_instalment")
    first = Instalment.objects.filter(loan=loan).order_by("number").first()
    extra = 12_345
    # Nothing is due on the day of disbursement: the whole payment is held (2241).
    repay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=first.total + extra,
        business_date=get_business_date(),
        source_ref="test-prepaid",
    )
    assert _fresh(loan).unapplied_balance == first.total + extra
    _eod_until(first.due_date + dt.timedelta(days=1))  # EOD(due) rolled it and applied the money

    loan = _fresh(loan)
    first.refresh_from_db()
    assert (first.paid_principal, first.paid_interest) == (first.principal, first.interest)
    assert (loan.overdue_principal, loan.overdue_interest, loan.dpd) == (0, 0, 0)
    assert loan.oldest_unpaid_due_date is None and loan.category == "normal"
    assert loan.unapplied_balance == extra
    assert account_balances(product_code="WLD")[gl.UNAPPLIED_RECEIPTS] == extra
    assert_subledger_equals_gl()
