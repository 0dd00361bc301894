"""Event subscribers (subscribed in ``ContractsConfig.ready``). They run inside the publisher's
transaction and only write contract rows.

An event naming a line or loan that lending does not know (a test publishing a made-up id) is
logged and skipped: failing would roll back the publisher's own change for a contract that
could never be made anyway.
"""

from __future__ import annotations

import logging

from microloan.kernel.errors import NotFound
from microloan.lending.events import LoanCancelled, LoanDrawn
from microloan.origination.events import ApplicationDecided

from .services.common import SYSTEM
from .services.offers import create_line_agreement, create_loan_contract, void_loan_contract

logger = logging.getLogger(__name__)


def on_application_decided(event: ApplicationDecided) -> None:
    """An approved application with a credit line gets the line agreement to sign."""
    if event.outcome != "approved" or not event.line_id:
        return
    try:
        # The line was opened in this very transaction: no agreement to look for first.
        create_line_agreement(actor=SYSTEM, line_id=event.line_id)
    except NotFound:
        logger.warning("%s: no credit line %s; no agreement made", event.name, event.line_id)


def on_loan_drawn(event: LoanDrawn) -> None:
    """A drawdown gets its loan contract (and the line its agreement, if it has none)."""
    try:
        create_loan_contract(actor=SYSTEM, loan_id=event.loan_id, business_date=event.business_date)
    except NotFound:
        logger.warning("%s: no loan %s; no contract made", event.name, event.loan_id)


def on_loan_cancelled(event: LoanCancelled) -> None:
    void_loan_contract(actor=SYSTEM, loan_id=event.loan_id, reason=event.reason)
