"""End of day cancels loans whose contract offer expired unsigned and gives the room back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from microloan.audit.models import AuditRecord
from microloan.batch.registry import eod_steps
from microloan.contracts.models import Contract
from microloan.contracts.services.expiry import expire_unsigned_offers
from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied
from microloan.lending.models import CreditLine, Loan
from microloan.lending.services import drawdowns

from .helpers import agreement_of, contract_of, view_and_sign

EOD = Actor.system("eod")


def _expire(contract: Contract, *, seconds_ago: int = 1) -> None:
    past = timezone.now() - dt.timedelta(seconds=seconds_ago)
    Contract.objects.filter(pk=contract.pk).update(offer_expires_at=past)


def _used(line_id: str) -> int:
    return CreditLine.objects.get(public_id=line_id).used


def test_an_expired_unsigned_offer_cancels_the_loan_and_frees_the_line(loan):
    line_id = loan.line.public_id
    assert _used(line_id) == 1_200_000
    _expire(contract_of(loan.public_id))

    assert expire_unsigned_offers(actor=EOD) == 1

    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.CANCELLED
    assert _used(line_id) == 0
    contract = contract_of(loan.public_id)
    assert contract.status == Contract.Status.VOID and contract.voided_reason == "offer_expired"
    audit = AuditRecord.objects.get(action="loan.cancelled", object_id=loan.public_id)
    assert audit.after["reason"] == "offer_expired" and audit.actor_id == "eod"
    assert expire_unsigned_offers(actor=EOD) == 0  # a rerun finds nothing left


def test_an_offer_still_open_and_a_signed_contract_are_left_alone(loan, line, today):
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
    signed = contract_of(loan.public_id)
    Contract.objects.filter(pk=signed.pk).update(offer_expires_at=timezone.now())

    assert expire_unsigned_offers(actor=EOD) == 0

    assert contract_of(loan.public_id).status == Contract.Status.SIGNED
    assert contract_of(second.public_id).status == Contract.Status.PENDING
    assert Loan.objects.get(pk=second.pk).status == Loan.Status.PENDING_DISBURSEMENT


def test_the_time_is_that_of_the_offer_not_the_day(loan):
    contract = contract_of(loan.public_id)
    just_before = contract.offer_expires_at - dt.timedelta(microseconds=1)
    assert expire_unsigned_offers(actor=EOD, now=just_before) == 0
    assert expire_unsigned_offers(actor=EOD, now=contract.offer_expires_at) == 1


def test_a_borrower_cannot_run_it(loan):
    with pytest.raises(PermissionDenied):
        expire_unsigned_offers(actor=Actor.borrower(loan.customer_id))
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.PENDING_DISBURSEMENT


def test_it_is_an_end_of_day_step():
    names = [step.name for step in eod_steps()]
    assert "contracts.expire_offers" in names
    step = next(step for step in eod_steps() if step.name == "contracts.expire_offers")
    assert not step.partitioned
