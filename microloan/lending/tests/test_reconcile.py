"""Reconciliation of the loan sub-ledger with the general ledger, and its command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from microloan.kernel.actors import Actor
from microloan.ledger import accounts as gl
from microloan.ledger.services import post_entry
from microloan.lending.models import Loan
from microloan.lending.services import reconcile, repayments

from . import helpers
from .helpers import BANK

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_book(ops, line, today):
    """Loans disbursed, accrued for a month, partly repaid, with a held overpayment."""
    loan = helpers.active_loan(line, amount=1_200_000)
    helpers.active_loan(line, amount=800_000, method="interest_first")
    on = helpers.jump_to(dt.date(2026, 4, 2))
    repayments.repay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=400_000,
        business_date=on,
        source_ref=helpers.ref(),
    )
    helpers.run_eod(3)
    return loan


def test_books_agree_after_activity(busy_book):
    result = reconcile.reconcile()
    assert result.ok, result.breaks
    totals = {row.account: row for row in result.rows if row.product_code == reconcile.TOTAL}
    assert totals[gl.LOANS_PRINCIPAL].subledger > 0
    assert totals[gl.INTEREST_RECEIVABLE].subledger > 0
    assert totals[gl.UNAPPLIED_RECEIPTS].subledger == sum(
        Loan.objects.values_list("unapplied_balance", flat=True)
    )


def test_a_posting_without_the_loan_is_a_break(busy_book, today):
    post_entry(
        actor=Actor.system("test"),
        entry_type="fee",
        business_date=today,
        lines=[
            {"account": gl.INTEREST_RECEIVABLE, "debit": 123, "credit": 0},
            {"account": gl.INTEREST_INCOME, "debit": 0, "credit": 123},
        ],
        product_code="WLD",
    )
    result = reconcile.reconcile()
    assert not result.ok
    broken = {(row.product_code, row.account, row.difference) for row in result.breaks}
    assert broken == {("WLD", gl.INTEREST_RECEIVABLE, -123), ("*", gl.INTEREST_RECEIVABLE, -123)}


def test_command_prints_and_exits_non_zero_on_a_break(busy_book, today):
    out = StringIO()
    call_command("ledger", "reconcile", stdout=out)
    assert "OK" in out.getvalue()
    Loan.objects.filter(pk=busy_book.pk).update(penalty_receivable=1)
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "reconcile", stdout=StringIO())
    assert failure.value.returncode == 1
