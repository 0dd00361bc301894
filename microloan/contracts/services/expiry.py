"""Loan offers left unsigned past their time: the loan is cancelled, the line's room given back.

A drawdown holds its amount of the line from the moment it is made, and its contract may be
signed for ``offer_ttl()`` (30 minutes by default) and never after its business day closes. An
offer never signed would hold that room for ever. End of day for D (the non-partitioned hook
``contracts.expire_offers``: pending loans are few) cancels every loan whose offer was made on
business day D or before and is still unsigned, through lending's ``cancel_pending_loan``, which
gives the room back and publishes ``loan.cancelled``; this app's subscriber then voids the
contract. It decides by the business date alone, never by the wall clock, so rerunning the same
business days from the same start gives the same book; a rerun of D finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.lending.services.drawdowns import cancel_pending_loan

from ..models import Contract, Kind
from .offers import void_loan_contract

logger = logging.getLogger(__name__)
REASON = "offer_expired"


def expire_unsigned_offers(*, actor: Actor, business_date: dt.date) -> int:
    """Cancel every loan whose contract offer, made on ``business_date`` or before, is still
    unsigned; returns how many. A loan lending will not cancel (its money left meanwhile) is
    logged and left."""
    actor.require_staff()
    loan_ids = list(
        Contract.objects.filter(
            kind=Kind.LOAN, status=Contract.Status.PENDING, business_date__lte=business_date
        )
        .order_by("id")
        .values_list("loan_id", flat=True)
    )
    cancelled = 0
    for loan_id in loan_ids:
        try:
            with transaction.atomic():  # one refusal leaves the others' cancellations standing
                cancel_pending_loan(actor=actor, loan_id=loan_id, reason=REASON)
        except DomainError as refusal:
            if refusal.code == "loan_not_pending":
                # The loan went on (or ended) without this offer: it can never be signed now
                # (signing needs a pending loan), so it is voided instead of retried every day.
                with transaction.atomic():
                    void_loan_contract(actor=actor, loan_id=loan_id, reason="loan_not_pending")
                continue
            logger.warning("expired offer of loan %s left: %s", loan_id, refusal.code)
            continue
        cancelled += 1
    return cancelled


def expire_offers_step(ctx) -> int:
    """The end-of-day hook (``batch.registry.StepContext``)."""
    return expire_unsigned_offers(actor=ctx.actor, business_date=ctx.business_date)
