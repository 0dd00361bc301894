"""End of day cancels loans whose contract offer expired unsigned and gives the room back."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from microloan.audit.models import AuditRecord
from microloan.batch.registry import Partition, StepContext, eod_steps
from microloan.contracts.models import Contract
from microloan.contracts.services.expiry import expire_unsigned_offers
from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied
from microloan.lending.models import CreditLine, Loan
from microloan.lending.services import drawdowns

from .helpers import agreement_of, contract_of, view_and_sign

EOD = Actor.system("eod")


def _used(line_id: str) -> int:
    return CreditLine.objects.get(public_id=line_id).used


def test_an_offer_unsigned_at_the_close_of_its_day_cancels_the_loan_and_frees_the_line(loan, today):
    line_id = loan.line.public_id
    assert _used(line_id) == 1_200_000

    assert expire_unsigned_offers(actor=EOD, business_date=today) == 1

    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.CANCELLED
    assert _used(line_id) == 0
    contract = contract_of(loan.public_id)
    assert contract.status == Contract.Status.VOID and contract.voided_reason == "offer_expired"
    audit = AuditRecord.objects.get(action="loan.cancelled", object_id=loan.public_id)
    assert audit.after["reason"] == "offer_expired" and audit.actor_id == "eod"
    assert expire_unsigned_offers(actor=EOD, business_date=today) == 0  # a rerun: nothing left


def test_an_offer_whose_loan_went_on_without_it_is_voided_not_retried(loan, today, caplog):
    """A loan no longer pending (set up directly, as the demo's seed loans are) can never have
    its offer signed: end of day voids the offer once, quietly, and the loan stays as it is."""
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.ACTIVE)

    assert expire_unsigned_offers(actor=EOD, business_date=today) == 0

    contract = contract_of(loan.public_id)
    assert contract.status == Contract.Status.VOID
    assert contract.voided_reason == "loan_not_pending"
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.ACTIVE
    assert "left" not in caplog.text
    assert not Contract.objects.filter(kind="loan", status=Contract.Status.PENDING).exists()


def test_an_offer_of_a_later_day_and_a_signed_contract_are_left_alone(loan, line, today):
    view_and_sign(agreement_of(line.public_id))
    view_and_sign(contract_of(loan.public_id))  # signed: the payout was ordered
    second = drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=100_000,
        term_months=5,
        method="equal_instalment",
        business_date=today,
    )

    # End of the day before: the offer of today is still open, whatever the wall clock says.
    with _wall_clock(timezone.now() + dt.timedelta(days=3)):
        assert expire_unsigned_offers(actor=EOD, business_date=today - dt.timedelta(days=1)) == 0

    assert contract_of(loan.public_id).status == Contract.Status.SIGNED
    assert contract_of(second.public_id).status == Contract.Status.PENDING
    assert Loan.objects.get(pk=second.pk).status == Loan.Status.PENDING_DISBURSEMENT


@contextmanager
def _wall_clock(at: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _eod_outcome(loan: Loan, today: dt.date, clock: dt.datetime) -> tuple:
    """Run the end-of-day hook for ``today`` with the wall clock at ``clock``; the book after."""
    step = next(step for step in eod_steps() if step.name == "contracts.expire_offers")
    context = StepContext("eod_test", today, EOD, Partition(0, 0, 2**62))
    with _wall_clock(clock):
        cancelled = step.run(context)
    loan.refresh_from_db()
    return cancelled, loan.status, _used(loan.line.public_id), contract_of(loan.public_id).status


def test_end_of_day_decides_by_the_business_date_not_the_wall_clock(loan, today):
    # The same business day rerun from the same start with a different wall clock (a minute
    # after the offer, or a day after it expired for signing) gives the same book.
    contract = contract_of(loan.public_id)
    clocks = [contract.created_at + dt.timedelta(minutes=1), contract.offer_expires_at]
    outcomes = []
    for clock in clocks:
        with transaction.atomic():
            outcomes.append(_eod_outcome(loan, today, clock + dt.timedelta(days=len(outcomes))))
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1] == (1, Loan.Status.CANCELLED, 0, Contract.Status.VOID)


def test_the_offer_of_a_later_business_day_survives_an_earlier_close(loan, today):
    outcome = _eod_outcome(
        loan, today - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=9)
    )
    assert outcome == (0, Loan.Status.PENDING_DISBURSEMENT, 1_200_000, Contract.Status.PENDING)


def test_a_borrower_cannot_run_it(loan, today):
    with pytest.raises(PermissionDenied):
        expire_unsigned_offers(actor=Actor.borrower(loan.customer_id), business_date=today)
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.PENDING_DISBURSEMENT


def test_it_is_an_end_of_day_step():
    names = [step.name for step in eod_steps()]
    assert "contracts.expire_offers" in names
    step = next(step for step in eod_steps() if step.name == "contracts.expire_offers")
    assert not step.partitioned
