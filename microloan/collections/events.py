"""Events collections publishes (``kernel.events``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BucketEntry:
    """One case that entered a bucket today, with its strategy's message channels."""

    case_id: str
    customer_id: str
    loan_id: str
    bucket: str
    channels: tuple[str, ...]  # of "sms", "push"; empty: the strategy sends nothing
    dpd: int
    overdue_amount: int
    borrower_timezone: str


@dataclass(frozen=True, kw_only=True)
class BucketEntered(DomainEvent):
    """Today's bucket entries of one end-of-day partition."""

    name: ClassVar[str] = "collections.bucket_entered"
    business_date: dt.date
    entries: tuple[BucketEntry, ...]
