"""Events payments publishes (``kernel.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DisbursementFailed(DomainEvent):
    """The bank refused or never paid out a loan's disbursement order."""

    name: ClassVar[str] = "disbursement.failed"
    customer_id: str
    loan_id: str
    order_id: str
    reason_code: str
