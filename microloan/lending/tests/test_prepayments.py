"""Payoff quotes, payoffs and partial prepayments through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from microloan.kernel.errors import DomainError
from microloan.ledger import accounts as gl
from microloan.lending.models import CreditLine, Instalment, LoanTransaction
from microloan.lending.services import prepayments, quotes
from microloan.loanmath.schedules import interest_for_days

from . import helpers
from .conftest import make_product_version
from .helpers import BANK, fresh, ref

pytestmark = pytest.mark.django_db

RATE = Decimal("0.0005")


@pytest.fixture
def loan(ops, line, today):
    return helpers.active_loan(line, amount=1_200_000, term=5)


def live(loan) -> list[Instalment]:
    return list(loan.instalments.exclude(status="cancelled").order_by("number"))


def test_quote_is_interest_to_the_day(loan, today):
    on = helpers.jump_to(today + dt.timedelta(days=10))
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=on)
    assert quote.interest == interest_for_days(1_200_000, RATE, 10)
    assert (quote.principal, quote.penalty, quote.fee) == (1_200_000, 0, 0)
    assert quote.total == 1_200_000 + quote.interest
    later = quotes.payoff_quote(loan_id=loan.public_id, business_date=on + dt.timedelta(days=5))
    assert later.interest == interest_for_days(1_200_000, RATE, 15)  # projected to that day


def test_payoff_posts_exactly_the_quote(loan, line, today, ledger):
    on = helpers.jump_to(today + dt.timedelta(days=10))
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=on)
    txn = prepayments.payoff(
        actor=BANK,
        loan_id=loan.public_id,
        amount=quote.total,
        business_date=on,
        source_ref=ref(),
    )
    assert (txn.principal, txn.interest, txn.penalty, txn.fee) == (
        quote.principal,
        quote.interest,
        quote.penalty,
        quote.fee,
    )
    done = fresh(loan)
    assert (done.status, done.interest_receivable, done.unapplied_balance) == ("paid_off", 0, 0)
    assert CreditLine.objects.get(pk=line.pk).used == 0
    assert ledger.balance(gl.LOANS_PRINCIPAL) == 0
    assert ledger.balance(gl.INTEREST_RECEIVABLE) == 0
    assert ledger.balance(gl.BANK_CLEARING) == quote.interest
    assert not live(done)


def test_payoff_below_the_quote_is_refused(loan, today, ledger):
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        prepayments.payoff(
            actor=BANK,
            loan_id=loan.public_id,
            amount=quote.total - 1,
            business_date=today,
            source_ref=ref(),
        )
    assert (refusal.value.code, "amount" in refusal.value.fields) == ("amount_below_payoff", True)
    assert ledger.state() == before


def test_payoff_above_the_quote_keeps_a_refundable_credit(loan, today):
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
    prepayments.payoff(
        actor=BANK,
        loan_id=loan.public_id,
        amount=quote.total + 999,
        business_date=today,
        source_ref=ref(),
    )
    assert fresh(loan).unapplied_balance == 999


def test_partial_prepayment_lowers_the_instalments(loan, today, ledger):
    on = helpers.jump_to(today + dt.timedelta(days=10))
    accrued = fresh(loan).interest_receivable
    old = live(loan)
    txn = prepayments.prepay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=accrued + 600_000,
        business_date=on,
        source_ref=ref(),
    )
    assert (txn.interest, txn.principal) == (accrued, 600_000)
    after = fresh(loan)
    new = live(after)
    assert after.principal_outstanding == 600_000
    assert [i.due_date for i in new] == [i.due_date for i in old]  # lower instalment: same dates
    assert sum(i.principal for i in new) == 600_000
    assert new[0].start_date == on
    assert new[0].interest == interest_for_days(600_000, RATE, (new[0].due_date - on).days)
    assert (after.period_start_date, after.period_principal, after.period_accrued) == (
        on,
        600_000,
        0,
    )
    assert ledger.balanced()


def test_prepayment_can_shorten_the_term(loan, today):
    on = helpers.jump_to(today + dt.timedelta(days=10))
    accrued = fresh(loan).interest_receivable
    old_level = fresh(loan).instalment_amount
    prepayments.prepay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=accrued + 600_000,
        business_date=on,
        source_ref=ref(),
        mode="shorten_term",
    )
    new = live(fresh(loan))
    assert len(new) < 5
    assert all(i.total <= old_level for i in new)
    assert sum(i.principal for i in new) == 600_000


def test_prepayment_must_reach_principal(loan, today, ledger):
    on = helpers.jump_to(today + dt.timedelta(days=10))
    accrued = fresh(loan).interest_receivable
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        prepayments.prepay(
            actor=BANK,
            loan_id=loan.public_id,
            amount=accrued,
            business_date=on,
            source_ref=ref(),
        )
    assert (refusal.value.code, "amount" in refusal.value.fields) == ("prepayment_too_small", True)
    assert ledger.state() == before


def test_prepayment_fee_is_income(ops, ops_user, today, ledger):
    version = make_product_version(
        ops_user,
        code="FEE",
        prepayment_fee_type="percent",
        prepayment_fee_value=Decimal("0.01"),
    )
    line = helpers.open_line(ops, version, customer="cust_test_fee")
    loan = helpers.active_loan(line, amount=1_000_000)
    txn = prepayments.prepay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=505_000,
        business_date=today,
        source_ref=ref(),
    )
    assert (txn.principal, txn.fee) == (500_000, 5_000)
    assert ledger.balance(gl.FEE_INCOME) == 5_000
    assert LoanTransaction.objects.get(pk=txn.pk).unapplied == 0
