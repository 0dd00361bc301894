"""lending.interface's end-of-day reads: what other apps' hooks get of the loan book."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.batch.sql import ID_CEILING
from microloan.lending.interface import (
    DebitDue,
    OverdueLoan,
    OverdueNotice,
    debits_due,
    instalments_due,
    loan_public_ids,
    loan_standings,
    loans_at_dpd,
    overdue_loans,
)
from microloan.lending.models import Instalment, Loan

from .helpers import active_loan

pytestmark = pytest.mark.django_db
EVERY_LOAN = (0, ID_CEILING)


def _make_overdue(loan: Loan, today: dt.date, dpd: int) -> None:
    Loan.objects.filter(pk=loan.pk).update(
        dpd=dpd,
        overdue_principal=100_000,
        overdue_interest=2_000,
        penalty_receivable=300,
        oldest_unpaid_due_date=today - dt.timedelta(days=dpd),
    )


def test_overdue_loans_and_notices_read_what_end_of_day_left(line, today):
    current, late = active_loan(line), active_loan(line)
    _make_overdue(late, today, dpd=7)

    assert overdue_loans(*EVERY_LOAN) == [
        OverdueLoan(late.pk, late.public_id, late.customer_id, 7, "M1", 102_300)
    ]
    assert overdue_loans(late.pk + 1, ID_CEILING) == []  # the partition's loans only
    assert loans_at_dpd(*EVERY_LOAN, days=[1, 7]) == [
        OverdueNotice(late.public_id, late.customer_id, today - dt.timedelta(days=7), 7, 102_300)
    ]
    assert loans_at_dpd(*EVERY_LOAN, days=[1]) == []
    assert loans_at_dpd(*EVERY_LOAN, days=[]) == []
    assert loan_public_ids([current.pk]) == {current.pk: current.public_id}


def test_a_loan_that_ended_stands_as_ended(line):
    running, paid = active_loan(line), active_loan(line)
    Loan.objects.filter(pk=paid.pk).update(status=Loan.Status.PAID_OFF)

    standings = loan_standings([running.pk, paid.pk])
    assert standings[paid.pk].ended_as == "paid_off"
    assert standings[running.pk].ended_as == ""
    assert standings[running.pk].last_restructured_on is None


def test_instalments_due_leave_out_what_held_money_covers(line):
    loan = active_loan(line)
    first, second = Instalment.objects.filter(loan=loan).order_by("number")[:2]
    owed = [i.principal + i.interest + i.penalty for i in (first, second)]
    dates = [first.due_date, second.due_date]

    rows = instalments_due(*EVERY_LOAN, due_dates=dates)
    assert [(row.loan_id, row.number, row.due_date, row.amount_left) for row in rows] == [
        (loan.public_id, 1, first.due_date, owed[0]),
        (loan.public_id, 2, second.due_date, owed[1]),
    ]
    Loan.objects.filter(pk=loan.pk).update(unapplied_balance=owed[0] + 10)
    rows = instalments_due(*EVERY_LOAN, due_dates=dates)
    assert [(row.number, row.amount_left) for row in rows] == [(2, owed[1] - 10)]
    assert instalments_due(*EVERY_LOAN, due_dates=[]) == []


def test_debits_due_are_the_loans_whose_instalment_fell_due_unpaid_that_day(line):
    loan, other = active_loan(line), active_loan(line)
    first = Instalment.objects.filter(loan=loan).order_by("number").first()
    Instalment.objects.filter(pk=first.pk).update(status=Instalment.Status.DUE)
    Loan.objects.filter(pk__in=[loan.pk, other.pk]).update(overdue_principal=500)

    assert debits_due(*EVERY_LOAN, business_date=first.due_date) == [
        DebitDue(loan.public_id, loan.customer_id, 500)
    ]
    assert debits_due(*EVERY_LOAN, business_date=first.due_date + dt.timedelta(days=1)) == []
