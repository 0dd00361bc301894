"""Row locks on PostgreSQL: two drawdowns racing for the same line never both get the money,
and two repayments racing on one loan are applied one after the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (fixture)
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.kernel.services import set_initial_business_date
from microloan.lending.models import CreditLine, Loan, LoanTransaction
from microloan.lending.services import drawdowns, repayments

from . import helpers
from .conftest import START
from .helpers import BANK

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run ``calls`` at the same moment in threads; return what each returned or raised."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_drawdowns_never_overdraw_the_line(audit_rows_erasable, ops, product_version):  # noqa: F811
    set_initial_business_date(START)
    line = helpers.open_line(ops, product_version, limit=1_000_000)

    def draw():
        return drawdowns.drawdown(
            actor=Actor.borrower(line.customer_id),
            line_id=line.public_id,
            amount=600_000,
            term_months=5,
            method="bullet",
        )

    results = race(draw, draw)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1, results
    assert refused[0].code in ("amount_above_available", "stale_version")
    assert Loan.objects.count() == 1
    assert CreditLine.objects.get(pk=line.pk).used == 600_000


def test_racing_repayments_are_both_applied(audit_rows_erasable, ops, product_version):  # noqa: F811
    set_initial_business_date(START)
    line = helpers.open_line(ops, product_version)
    loan = helpers.active_loan(line, amount=1_000_000)

    def pay(ref):
        return lambda: repayments.repay(
            actor=BANK,
            loan_id=loan.public_id,
            amount=10_000,
            business_date=START,
            source_ref=ref,
        )

    results = race(pay("race:1"), pay("race:2"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert LoanTransaction.objects.filter(kind="repayment").count() == 2
    assert Loan.objects.get(pk=loan.pk).unapplied_balance == 20_000
