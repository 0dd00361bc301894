"""Repayments through the service: allocation, overdue, held receipts, idempotency, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.kernel.errors import DomainError
from microloan.ledger import accounts as gl
from microloan.lending.models import CreditLine, Instalment, Loan, LoanTransaction
from microloan.lending.services import prepayments, quotes, repayments

from . import helpers
from .helpers import BANK, fresh, ref

pytestmark = pytest.mark.django_db

FIRST_DUE = dt.date(2026, 4, 2)


def repay(loan, amount, on, source_ref=None):
    return repayments.repay(
        actor=BANK,
        loan_id=loan.public_id,
        amount=amount,
        business_date=on,
        source_ref=source_ref or ref(),
    )


@pytest.fixture
def loan(ops, line, today):
    return helpers.active_loan(line, amount=1_200_000, term=5)


def first_instalment(loan) -> Instalment:
    return loan.instalments.exclude(status="cancelled").order_by("number").first()


def test_same_day_repayment_is_held_as_unapplied(loan, today, ledger):
    txn = repay(loan, 10_000, today)
    assert (txn.principal, txn.interest, txn.unapplied) == (0, 0, 10_000)
    assert fresh(loan).unapplied_balance == 10_000
    assert ledger.balance(gl.UNAPPLIED_RECEIPTS) == 10_000
    assert ledger.balanced()


def test_repayment_on_the_due_date_pays_the_instalment(loan, line, ledger):
    on = helpers.jump_to(FIRST_DUE)
    first = first_instalment(loan)
    assert fresh(loan).interest_receivable == first.interest  # the period is fully accrued
    txn = repay(loan, first.total, on)
    assert (txn.principal, txn.interest, txn.unapplied) == (first.principal, first.interest, 0)
    paid = Instalment.objects.get(pk=first.pk)
    assert (paid.status, paid.paid_on) == (Instalment.Status.PAID, on)
    after = fresh(loan)
    assert after.principal_outstanding == 1_200_000 - first.principal
    assert after.interest_receivable == 0
    assert CreditLine.objects.get(pk=line.pk).used == 1_200_000 - first.principal
    helpers.run_eod(1)  # end of day rolls the paid instalment without anything overdue
    rolled = fresh(loan)
    assert (rolled.overdue_principal, rolled.overdue_interest, rolled.dpd) == (0, 0, 0)
    assert rolled.next_due_date == dt.date(2026, 5, 2)
    assert ledger.balanced()


def test_unpaid_instalment_goes_overdue_and_a_repayment_cures_it(loan):
    helpers.jump_to(FIRST_DUE)
    first = first_instalment(loan)
    on = helpers.run_eod(3)  # due date, then two days late: dpd 3 after end of day on 04-04
    late = fresh(loan)
    assert (late.overdue_principal, late.overdue_interest) == (first.principal, first.interest)
    assert (late.dpd, late.category) == (2, "special_mention")
    assert late.penalty_receivable > 0  # day 2 is past the one day of grace
    owed = late.penalty_receivable + first.total
    txn = repay(loan, owed, on)
    assert (txn.penalty, txn.interest, txn.principal) == (
        late.penalty_receivable,
        first.interest,
        first.principal,
    )
    cured = fresh(loan)
    assert (cured.overdue_principal, cured.overdue_interest, cured.penalty_receivable) == (0, 0, 0)
    assert (cured.dpd, cured.category, cured.oldest_unpaid_due_date) == (0, "normal", None)


def test_partial_repayment_pays_in_the_product_order(loan):
    helpers.jump_to(FIRST_DUE)
    first = first_instalment(loan)
    on = helpers.run_eod(3)
    late = fresh(loan)
    txn = repay(loan, late.penalty_receivable + 100, on)
    # penalty, then overdue interest, then overdue principal (the default order)
    assert (txn.penalty, txn.interest, txn.principal) == (late.penalty_receivable, 100, 0)
    after = fresh(loan)
    assert after.overdue_interest == first.interest - 100
    assert after.dpd == late.dpd  # still the same instalment unpaid


def test_overpayment_is_applied_when_the_next_instalment_falls_due(loan, ledger):
    on = helpers.jump_to(FIRST_DUE)
    first = first_instalment(loan)
    repay(loan, first.total + 50_000, on)
    assert fresh(loan).unapplied_balance == 50_000
    helpers.run_eod(1)  # rolls the paid instalment; nothing is due, the credit stays held
    assert fresh(loan).unapplied_balance == 50_000
    helpers.jump_to(dt.date(2026, 5, 2))
    helpers.run_eod(1)  # end of day on the due date applies the held money
    after = fresh(loan)
    assert after.unapplied_balance == 0
    assert LoanTransaction.objects.filter(loan=loan, kind="unapplied_applied").count() == 1
    second = loan.instalments.get(number=2)
    assert second.paid_interest + second.paid_principal == 50_000
    assert ledger.balance(gl.UNAPPLIED_RECEIPTS) == 0
    assert ledger.balanced()


def test_same_source_ref_posts_once(loan, today, ledger):
    first = repay(loan, 10_000, today, source_ref="bank:123")
    lines_after_first = ledger.line_count()
    again = repay(loan, 10_000, today, source_ref="bank:123")
    assert again.pk == first.pk
    assert ledger.line_count() == lines_after_first
    assert fresh(loan).unapplied_balance == 10_000
    with pytest.raises(DomainError) as refusal:
        repay(loan, 20_000, today, source_ref="bank:123")
    assert refusal.value.code == "source_ref_reused"


@pytest.mark.parametrize(("amount", "code"), [(0, "invalid_amount"), (-1, "invalid_amount")])
def test_bad_amounts_post_nothing(loan, today, ledger, amount, code):
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        repay(loan, amount, today)
    assert (refusal.value.code, "amount" in refusal.value.fields) == (code, True)
    assert ledger.state() == before


def test_date_before_disbursement_posts_nothing(loan, today, ledger):
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        repay(loan, 10_000, today - dt.timedelta(days=1))
    assert (refusal.value.code, "business_date" in refusal.value.fields) == (
        "date_before_disbursement",
        True,
    )
    assert ledger.state() == before
    assert not LoanTransaction.objects.filter(kind="repayment").exists()


def test_date_after_today_posts_nothing(loan, today, ledger):
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        repay(loan, 10_000, today + dt.timedelta(days=1))
    assert refusal.value.code == "date_after_business_date"
    assert ledger.state() == before


def test_closed_loan_takes_no_repayment(ops, line, today, ledger):
    pending = helpers.active_loan(line, amount=600_000)
    Loan.objects.filter(pk=pending.pk).update(status=Loan.Status.PAID_OFF)
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        repay(pending, 10_000, today)
    assert (refusal.value.code, "loan_id" in refusal.value.fields) == ("loan_not_repayable", True)
    assert ledger.state() == before


def test_refund_of_unapplied(ops, borrower, loan, today, ledger):
    repay(loan, 30_000, today)
    with pytest.raises(DomainError) as refusal:
        repayments.refund_unapplied(actor=BANK, loan_id=loan.public_id, amount=30_001)
    assert refusal.value.code == "amount_above_unapplied"
    # A person's word never posts a refund: staff create a refund order (payments) and it posts
    # when the bank reports it paid.
    for actor in (borrower, ops):
        with pytest.raises(DomainError) as refusal:
            repayments.refund_unapplied(actor=actor, loan_id=loan.public_id, amount=1)
        assert (refusal.value.status, refusal.value.code) == (403, "bank_result_required")
    repayments.refund_unapplied(actor=BANK, loan_id=loan.public_id, amount=30_000)
    assert fresh(loan).unapplied_balance == 0
    assert ledger.balance(gl.UNAPPLIED_RECEIPTS) == 0
    assert ledger.balance(gl.BANK_CLEARING) == -1_200_000


def test_last_instalment_pays_the_loan_off(ops, line):
    short = helpers.active_loan(line, amount=600_000, term=5, method="bullet")
    bullet = dt.date(2026, 8, 2)
    on = helpers.jump_to(bullet)
    only = first_instalment(short)
    repay(short, only.total, on)
    done = fresh(short)
    assert (done.status, done.closed_on, done.principal_outstanding) == ("paid_off", on, 0)
    assert CreditLine.objects.get(pk=line.pk).used == 0


def test_no_one_but_the_bank_result_posts_money(borrower, checker, loan, today, ledger):
    """A borrower's word never moves a loan (they create a payment order), nor does staff's
    without the posting permission (they record a bank reference: manual postings)."""
    before = ledger.state()
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
    on = {"loan_id": loan.public_id, "business_date": today}
    attempts = (
        lambda actor: repayments.repay(actor=actor, amount=10_000, source_ref=ref(), **on),
        lambda actor: prepayments.prepay(actor=actor, amount=600_000, source_ref=ref(), **on),
        lambda actor: prepayments.payoff(actor=actor, amount=quote.total, source_ref=ref(), **on),
    )
    for attempt in attempts:
        with pytest.raises(DomainError) as refusal:
            attempt(borrower)
        assert (refusal.value.status, refusal.value.code) == (403, "bank_result_required")
        with pytest.raises(DomainError) as refusal:
            attempt(checker)
        assert refusal.value.status == 403
    assert ledger.state() == before
    assert fresh(loan).status == Loan.Status.ACTIVE
