"""The auto-debit hook on a small synthetic book, run by the real end of day."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.batch.registry import Partition, StepContext, eod_steps
from microloan.batch.services import run_eod
from microloan.batch.tests.synthetic import build_synthetic_book
from microloan.kernel.actors import Actor
from microloan.lending.models import Instalment, Loan
from microloan.payments.models import PaymentOrder
from microloan.payments.services.autodebit import HOOK_NAME, create_auto_debit_orders

pytestmark = pytest.mark.django_db
BOOK_DATE = dt.date(2026, 3, 1)


def expected_on(day: dt.date) -> dict[str, int]:
    """Loans with an unpaid instalment due on ``day`` → what they owe now (read row by row,
    the slow obvious way, to check the set-based hook)."""
    due = Instalment.objects.filter(due_date=day, status=Instalment.Status.DUE)
    loans = Loan.objects.filter(pk__in=due.values("loan_id"), status=Loan.Status.ACTIVE)
    return {
        loan.public_id: loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable
        for loan in loans
        if loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable > 0
    }


def test_the_hook_sits_in_the_auto_debit_slot():
    names = [step.name for step in eod_steps()]
    assert HOOK_NAME in names
    assert names.index("provisions") < names.index(HOOK_NAME) < names.index("portfolio_snapshot")


def test_due_today_gets_one_order_and_a_rerun_adds_none(settings):
    settings.PAYMENTS_DISPATCH = "sweep"
    build_synthetic_book(loans=300, business_date=BOOK_DATE, seed=11, overdue_share=0.2)
    run = run_eod(actor=Actor.system("eod"), partitions=3)
    expected = expected_on(BOOK_DATE)
    assert expected, "the book should have loans falling due on its date"
    orders = PaymentOrder.objects.filter(kind="auto_debit", business_date=BOOK_DATE)
    assert dict(orders.values_list("loan_id", "amount")) == expected
    assert set(orders.values_list("status", flat=True)) == {"created"}
    step = next(s for s in run.counts["steps"] if s["step"] == HOOK_NAME)
    assert step["rows"] == len(expected)
    ctx = StepContext(
        run_id=run.public_id,
        business_date=BOOK_DATE,
        actor=Actor.system("eod"),
        partition=Partition(index=0, lo=0, hi=2**63 - 1),
    )
    assert create_auto_debit_orders(ctx) == 0
    assert orders.count() == len(expected)
