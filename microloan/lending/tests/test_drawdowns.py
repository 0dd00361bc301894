"""Drawdown, disbursement and cancellation through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from microloan.accounts.roles import ADMIN
from microloan.accounts.testing import make_staff
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.kernel.services import set_initial_business_date
from microloan.ledger import accounts as gl
from microloan.lending.models import CreditLine, Instalment, Loan, LoanTransaction
from microloan.lending.services import drawdowns, lines
from microloan.loanmath.schedules import generate_schedule

from . import helpers
from .conftest import OTHER_CUSTOMER
from .helpers import BANK

pytestmark = pytest.mark.django_db


def draw(actor, line, **kwargs):
    args = {"amount": 1_000_000, "term_months": 5, "method": "equal_instalment"} | kwargs
    return drawdowns.drawdown(actor=actor, line_id=line.public_id, **args)


def test_drawdown_books_the_line_and_the_schedule(borrower, line, today):
    loan = draw(borrower, line, amount=1_000_000, term_months=10)
    assert loan.status == Loan.Status.PENDING_DISBURSEMENT
    assert CreditLine.objects.get(pk=line.pk).used == 1_000_000
    expected = generate_schedule(
        principal=1_000_000,
        daily_rate=Decimal("0.0005"),
        method="equal_instalment",
        term_months=10,
        start_date=today,
    )
    stored = list(loan.instalments.order_by("number"))
    assert [(i.due_date, i.principal, i.interest) for i in stored] == [
        (row.due_date, row.principal, row.interest) for row in expected
    ]
    assert loan.maturity_date == expected[-1].due_date
    assert (loan.daily_rate_e8, loan.penalty_rate_e8) == (50_000, 75_000)


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"amount": 49_999}, "amount_below_minimum", "amount"),
        ({"amount": 0}, "invalid_amount", "amount"),
        ({"amount": 4_000_001}, "amount_above_available", "amount"),
        ({"term_months": 7}, "term_not_allowed", "term_months"),
        ({"method": "balloon"}, "method_not_allowed", "method"),
        ({"method": "bullet", "term_months": 20}, "bullet_term_too_long", "term_months"),
    ],
)
def test_drawdown_refusals_change_nothing(
    borrower, ops, product_version, today, kwargs, code, field
):
    line = helpers.open_line(ops, product_version, limit=4_000_000)
    with pytest.raises(DomainError) as refusal:
        draw(borrower, line, **kwargs)
    assert refusal.value.code == code
    assert field in refusal.value.fields
    assert not Loan.objects.exists()
    assert CreditLine.objects.get(pk=line.pk).used == 0


def test_drawdown_above_the_product_maximum(borrower, ops, product_version, today):
    line = helpers.open_line(ops, product_version, limit=10_000_000)
    with pytest.raises(DomainError) as refusal:
        draw(borrower, line, amount=4_000_001)
    assert refusal.value.code == "amount_above_maximum"


def test_rate_outside_the_product_range(borrower, line):
    CreditLine.objects.filter(pk=line.pk).update(daily_rate=Decimal("0.0007"))
    with pytest.raises(DomainError) as refusal:
        draw(borrower, line)
    assert (refusal.value.code, "daily_rate" in refusal.value.fields) == (
        "rate_out_of_range",
        True,
    )
    assert not Loan.objects.exists()


def test_available_shrinks_with_each_drawdown(borrower, ops, product_version, today):
    line = helpers.open_line(ops, product_version, limit=1_500_000)
    draw(borrower, line, amount=1_000_000)
    with pytest.raises(DomainError) as refusal:
        draw(borrower, line, amount=500_001)
    assert refusal.value.code == "amount_above_available"
    draw(borrower, line, amount=500_000)
    assert CreditLine.objects.get(pk=line.pk).available == 0


def test_frozen_or_expired_line_refuses(borrower, ops, line, today):
    lines.freeze_line(actor=ops, line_id=line.public_id, reason="warning")
    with pytest.raises(DomainError) as refusal:
        draw(borrower, line)
    assert refusal.value.code == "line_not_active"
    lines.unfreeze_line(actor=ops, line_id=line.public_id, reason="ok")
    with pytest.raises(DomainError) as refusal:
        drawdowns.drawdown(
            actor=borrower,
            line_id=line.public_id,
            amount=1_000_000,
            term_months=5,
            method="equal_instalment",
            business_date=line.expires_on + dt.timedelta(days=1),
        )
    assert refusal.value.code == "line_not_active"


def test_borrower_cannot_draw_on_someone_elses_line(line):
    with pytest.raises(DomainError) as refusal:
        draw(Actor.borrower(OTHER_CUSTOMER), line)
    assert (refusal.value.status, refusal.value.code) == (404, "line_not_found")


def test_disbursement_posts_and_starts_the_loan(ops, borrower, line, today, ledger):
    loan = draw(borrower, line, amount=1_000_000)
    active = drawdowns.disburse_loan(actor=BANK, loan_id=loan.public_id, business_date=today)
    assert active.status == Loan.Status.ACTIVE
    assert (active.start_date, active.principal_outstanding) == (today, 1_000_000)
    assert (active.period_start_date, active.period_principal) == (today, 1_000_000)
    assert active.next_due_date == dt.date(2026, 4, 2)
    assert active.last_accrual_date == today - dt.timedelta(days=1)
    txn = LoanTransaction.objects.get(loan=loan, kind="disbursement")
    assert txn.source_ref == f"disbursement:{loan.public_id}"
    assert ledger.balance(gl.LOANS_PRINCIPAL) == 1_000_000
    assert ledger.balance(gl.BANK_CLEARING) == -1_000_000
    with pytest.raises(DomainError) as refusal:
        drawdowns.disburse_loan(actor=BANK, loan_id=loan.public_id, business_date=today)
    assert refusal.value.code == "loan_not_pending"


def test_disbursement_later_regenerates_the_schedule(ops, borrower, line, today):
    loan = draw(borrower, line, amount=1_000_000)
    later = set_initial_business_date(today + dt.timedelta(days=3))
    drawdowns.disburse_loan(actor=BANK, loan_id=loan.public_id, business_date=later)
    live = list(loan.instalments.exclude(status="cancelled").order_by("number"))
    assert live[0].start_date == later
    assert live[0].due_date == dt.date(2026, 4, 5)
    assert sum(i.principal for i in live) == 1_000_000


def test_only_the_banks_result_disburses(borrower, ops, checker, line, today, ledger):
    """No person's word starts a loan, whatever their permissions: only the payments app
    (a system actor) posts a disbursement, when the bank reports the order paid."""
    loan = draw(borrower, line)
    before = ledger.state()
    admin = Actor.from_user(make_staff(role=ADMIN))
    for actor in (borrower, ops, checker, admin):
        with pytest.raises(DomainError) as refusal:
            drawdowns.disburse_loan(actor=actor, loan_id=loan.public_id, business_date=today)
        assert (refusal.value.status, refusal.value.code) == (403, "bank_result_required")
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.PENDING_DISBURSEMENT
    assert ledger.state() == before


def test_cancel_pending_restores_the_line(borrower, line):
    loan = draw(borrower, line, amount=1_000_000)
    cancelled = drawdowns.cancel_pending_loan(
        actor=borrower, loan_id=loan.public_id, reason="changed my mind"
    )
    assert cancelled.status == Loan.Status.CANCELLED
    assert CreditLine.objects.get(pk=line.pk).used == 0
    assert not Instalment.objects.filter(loan=loan).exclude(status="cancelled").exists()


def test_disbursement_date_before_drawdown(borrower, line, today, ledger):
    loan = draw(borrower, line)
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        drawdowns.disburse_loan(
            actor=BANK, loan_id=loan.public_id, business_date=today - dt.timedelta(days=1)
        )
    assert (refusal.value.code, "business_date" in refusal.value.fields) == (
        "date_before_drawdown",
        True,
    )
    assert ledger.state() == before


def test_disbursement_in_the_future_is_refused(ops, borrower, line, today, ledger):
    loan = draw(borrower, line)
    before = ledger.state()
    with pytest.raises(DomainError) as refusal:
        drawdowns.disburse_loan(
            actor=BANK, loan_id=loan.public_id, business_date=today + dt.timedelta(days=1)
        )
    assert (refusal.value.code, "business_date" in refusal.value.fields) == (
        "date_after_business_date",
        True,
    )
    assert ledger.state() == before
