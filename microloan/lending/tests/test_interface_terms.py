"""lending.interface: what other apps read of lines and loans comes back as frozen values with
the figures the models hold."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from microloan.kernel.actors import Actor
from microloan.kernel.errors import NotFound
from microloan.lending import interface
from microloan.lending.models import CreditLine, Instalment, Loan
from microloan.lending.services import drawdowns, lines

SYSTEM = Actor.system("test-interface")


def _draw(borrower, line, **kwargs) -> Loan:
    args = {"amount": 1_000_000, "term_months": 5, "method": "equal_instalment"} | kwargs
    return drawdowns.drawdown(actor=borrower, line_id=line.public_id, **args)


def test_line_terms_are_a_frozen_copy_of_the_line(line):
    terms = interface.line_terms(line.public_id)
    assert (terms.line_id, terms.customer_id, terms.limit) == (
        line.public_id,
        line.customer_id,
        line.limit,
    )
    assert terms.product_code == "WLD"
    # 0.0005 a day × the product's 1.5 penalty multiplier
    assert terms.penalty_daily_rate == Decimal("0.00075")
    with pytest.raises(dataclasses.FrozenInstanceError):
        terms.limit = 1  # type: ignore[misc]


def test_unknown_line_and_loan(db):
    with pytest.raises(NotFound) as refused:
        interface.line_terms("line_nope")
    assert refused.value.code == "line_not_found"
    with pytest.raises(NotFound) as refused:
        interface.loan_terms(actor=SYSTEM, loan_id="loan_nope")
    assert refused.value.code == "loan_not_found"
    assert interface.loan_status("loan_nope") is None
    assert interface.loan_for_order("loan_nope") is None
    assert interface.line_state("line_nope") is None
    assert interface.line_status_of_loan("loan_nope") is None


def test_loan_terms_schedule_and_status(borrower, line):
    loan = _draw(borrower, line, term_months=10)
    terms = interface.loan_terms(actor=SYSTEM, loan_id=loan.public_id)
    assert (terms.loan_id, terms.line_id, terms.principal, terms.term_months) == (
        loan.public_id,
        line.public_id,
        1_000_000,
        10,
    )
    assert terms.penalty_daily_rate == Decimal(loan.penalty_rate_e8) / interface.RATE_SCALE
    rows = interface.loan_schedule_rows(loan.public_id)
    stored = Instalment.objects.filter(loan=loan).order_by("number")
    assert [(r.number, r.due_date, r.principal, r.interest) for r in rows] == [
        (i.number, i.due_date, i.principal, i.interest) for i in stored
    ]
    assert interface.loan_status(loan.public_id) == interface.LoanStatus.PENDING_DISBURSEMENT
    assert interface.line_status_of_loan(loan.public_id) == interface.LineStatus.ACTIVE
    order_view = interface.loan_for_order(loan.public_id, lock=True)
    assert (order_view.customer_id, order_view.principal, order_view.owed) == (
        loan.customer_id,
        1_000_000,
        loan.principal_outstanding + loan.interest_receivable + loan.penalty_receivable,
    )


def test_line_state_and_customer_credit(ops, line, today):
    state = interface.line_state(line.public_id)
    assert not state.frozen and state.open_on(today)
    lines.freeze_line(actor=ops, line_id=line.public_id, reason="check")
    state = interface.line_state(line.public_id)
    assert state.frozen and not state.open_on(today)
    credit = interface.customer_credit(line.customer_id)
    assert (credit.limits, credit.used, credit.lines_ever) == (line.limit, 0, 1)
    CreditLine.objects.filter(pk=line.pk).update(status=CreditLine.Status.CLOSED)
    assert interface.customer_credit(line.customer_id).limits == 0
    assert interface.delinquent_loan_count(line.customer_id) == 0
