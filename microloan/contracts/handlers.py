"""Event subscribers (subscribed in ``ContractsConfig.ready``). They run inside the publisher's
transaction and only write contract rows.

An event naming a line or loan that lending does not know (a test publishing a made-up id) is
logged and skipped: failing would roll back the publisher's own change for a contract that
could never be made anyway.
"""

from __future__ import annotations

import logging

from microloan.kernel.errors import NotFound

from .services.common import SYSTEM
from .services.offers import create_line_agreement, create_loan_contract, void_loan_contract

logger = logging.getLogger(__name__)


def on_application_decided(*, event: str, outcome: str, line_id: str = "", **_payload) -> None:
    """An approved application with a credit line gets the line agreement to sign."""
    if outcome != "approved" or not line_id:
        return
    try:
        # The line was opened in this very transaction: no agreement to look for first.
        create_line_agreement(actor=SYSTEM, line_id=line_id)
    except NotFound:
        logger.warning("%s: no credit line %s; no agreement made", event, line_id)


def on_loan_drawn(*, event: str, loan_id: str, business_date=None, **_payload) -> None:
    """A drawdown gets its loan contract (and the line its agreement, if it has none)."""
    try:
        create_loan_contract(actor=SYSTEM, loan_id=loan_id, business_date=business_date)
    except NotFound:
        logger.warning("%s: no loan %s; no contract made", event, loan_id)


def on_loan_cancelled(*, event: str, loan_id: str, reason: str = "", **_payload) -> None:
    void_loan_contract(actor=SYSTEM, loan_id=loan_id, reason=reason)
