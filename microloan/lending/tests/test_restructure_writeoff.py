"""Restructuring and write-off: maker-checker, the new schedule, the write-off entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from microloan.kernel.errors import DomainError
from microloan.ledger import accounts as gl
from microloan.lending.models import CreditLine, LoanTransaction, MakerCheckerRequest
from microloan.lending.services import (
    prepayments,
    quotes,
    repayments,
    requests,
    restructure,
    writeoff,
)

from . import helpers
from .helpers import BANK, fresh, ref

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_loan(ops, line, today):
    """A 12,000.00 loan whose first instalment is 5 days late (penalty charged for 4 days)."""
    loan = helpers.active_loan(line, amount=1_200_000, term=5)
    helpers.jump_to(dt.date(2026, 4, 2))
    helpers.run_eod(5)
    return fresh(loan)


def test_restructure_reschedules_the_whole_principal(ops, checker, overdue_loan, ledger):
    before = ledger.state()
    proposal = restructure.propose_restructure(
        actor=ops,
        loan_id=overdue_loan.public_id,
        term_months=10,
        method="equal_principal",
        daily_rate="0.0004",
        reason="hardship",
    )
    assert fresh(overdue_loan).restructured is False
    requests.approve_request(actor=checker, request_id=proposal.public_id)
    loan = fresh(overdue_loan)
    assert (loan.restructured, loan.category, loan.dpd) == (True, "substandard", 0)
    assert (loan.overdue_principal, loan.overdue_interest) == (0, 0)
    assert loan.principal_outstanding == overdue_loan.principal_outstanding
    assert loan.interest_receivable == overdue_loan.interest_receivable  # still owed
    assert loan.penalty_receivable == overdue_loan.penalty_receivable
    assert (loan.daily_rate, loan.penalty_rate_e8) == (Decimal("0.0004"), 60_000)
    new = list(loan.instalments.exclude(status="cancelled").order_by("number"))
    assert len(new) == 10 and sum(i.principal for i in new) == loan.principal_outstanding
    assert new[0].start_date == helpers.get_business_date()
    assert new[0].penalty == overdue_loan.penalty_receivable  # falls due with the first one
    assert ledger.state() == before  # nothing moves between accounts
    assert LoanTransaction.objects.filter(loan=loan, kind="restructure").exists()


def test_restructure_may_not_raise_the_rate(ops, overdue_loan):
    with pytest.raises(DomainError) as refusal:
        restructure.propose_restructure(
            actor=ops,
            loan_id=overdue_loan.public_id,
            term_months=10,
            method="equal_instalment",
            daily_rate="0.0006",
            reason="no",
        )
    assert (refusal.value.code, "daily_rate" in refusal.value.fields) == (
        "rate_above_original",
        True,
    )
    assert not MakerCheckerRequest.objects.exists()


def test_restructured_loan_owes_nothing_until_the_first_new_due_date(ops, checker, overdue_loan):
    proposal = restructure.propose_restructure(
        actor=ops,
        loan_id=overdue_loan.public_id,
        term_months=5,
        method="equal_instalment",
        reason="hardship",
    )
    requests.approve_request(actor=checker, request_id=proposal.public_id)
    txn = repayments.repay(
        actor=BANK,
        loan_id=overdue_loan.public_id,
        amount=10_000,
        business_date=helpers.get_business_date(),
        source_ref=ref(),
    )
    assert txn.unapplied == 10_000


def test_maker_cannot_approve_own_writeoff(both, overdue_loan, ledger):
    proposal = writeoff.propose_writeoff(actor=both, loan_id=overdue_loan.public_id, reason="gone")
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        requests.approve_request(actor=both, request_id=proposal.public_id)
    assert refusal.value.code == "maker_cannot_approve"
    assert ledger.state() == before
    assert fresh(overdue_loan).status == "active"


def test_writeoff_uses_the_allowance_then_impairment(ops, checker, overdue_loan, line, ledger):
    allowance = ledger.balance(gl.LOAN_LOSS_ALLOWANCE)  # provisions made by end of day
    owed = (
        overdue_loan.principal_outstanding
        + overdue_loan.interest_receivable
        + overdue_loan.penalty_receivable
    )
    assert 0 < allowance < owed
    impairment_before = ledger.balance(gl.CREDIT_IMPAIRMENT_LOSS)
    proposal = writeoff.propose_writeoff(actor=ops, loan_id=overdue_loan.public_id, reason="gone")
    requests.approve_request(actor=checker, request_id=proposal.public_id)
    loan = fresh(overdue_loan)
    assert (loan.status, loan.category, loan.dpd) == ("written_off", "loss", overdue_loan.dpd)
    assert (loan.principal_outstanding, loan.interest_receivable, loan.penalty_receivable) == (
        0,
        0,
        0,
    )
    assert ledger.balance(gl.LOANS_PRINCIPAL) == 0
    assert ledger.balance(gl.LOAN_LOSS_ALLOWANCE) == 0
    assert ledger.balance(gl.CREDIT_IMPAIRMENT_LOSS) - impairment_before == owed - allowance
    after_line = CreditLine.objects.get(pk=line.pk)
    assert (after_line.status, after_line.used) == (CreditLine.Status.FROZEN, 0)
    assert ledger.balanced()


def test_writeoff_request_needs_an_active_loan(ops, line, today):
    loan = helpers.active_loan(line, amount=600_000)
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
    prepayments.payoff(
        actor=BANK,
        loan_id=loan.public_id,
        amount=quote.total,
        business_date=today,
        source_ref=ref(),
    )
    with pytest.raises(DomainError) as refusal:
        writeoff.propose_writeoff(actor=ops, loan_id=loan.public_id, reason="gone")
    assert refusal.value.code == "loan_not_active"
