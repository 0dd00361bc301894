"""Pure collection rules: buckets by days past due, contact conduct limits, rates.

No ORM, no clock: callers pass the attempt time and the counts they read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from microloan.kernel import regulation
from microloan.kernel.regulation import MAX_DAILY_CONTACT_ATTEMPTS
from microloan.lending.classification import Bucket, bucket

# Contact hours (08:00–21:00 borrower local time) and the daily attempt cap: kernel.regulation.

REASON_OUTSIDE_HOURS = "outside_contact_hours"
REASON_DAILY_CAP = "daily_attempts_exceeded"
REASON_NOT_BORROWER_NUMBER = "not_borrower_number"
REASON_NOT_ASSIGNED = "not_assigned"
NUMBERED_CHANNELS = ("phone", "sms")  # channels that go to a phone number


def case_bucket(dpd: int) -> str | None:
    """The bucket of a case for a loan ``dpd`` days past due; None when it is current (0).

    M1 1–30, M2 31–60, M3 61–90, M3+ over 90 (lending.classification.bucket, one source).
    """
    value = bucket(dpd)
    return None if value == Bucket.M0 else str(value)


def local_time(moment: dt.datetime, timezone_name: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(ZoneInfo(timezone_name))


def within_contact_hours(local: dt.datetime) -> bool:
    return regulation.within_contact_hours(local.time())


@dataclass(frozen=True)
class ContactCheck:
    """What the conduct check needs to know about one attempt."""

    local: dt.datetime  # attempt time in the borrower's time zone
    attempts_today: int  # contacts already made to this borrower on local.date()
    channel: str
    number_index: str  # blind index of the number dialled ("" for visits and letters)
    borrower_number_index: str
    collector_pk: int | None
    assigned_collector_pk: int | None


def conduct_refusals(check: ContactCheck) -> list[str]:
    """Every conduct rule the attempt breaks (empty list: allowed), in a stable order."""
    reasons = []
    if check.collector_pk is None or check.collector_pk != check.assigned_collector_pk:
        reasons.append(REASON_NOT_ASSIGNED)
    if not within_contact_hours(check.local):
        reasons.append(REASON_OUTSIDE_HOURS)
    if check.attempts_today >= MAX_DAILY_CONTACT_ATTEMPTS:
        reasons.append(REASON_DAILY_CAP)
    if check.channel in NUMBERED_CHANNELS and (
        not check.number_index or check.number_index != check.borrower_number_index
    ):
        reasons.append(REASON_NOT_BORROWER_NUMBER)
    return reasons


def rate(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` to four decimals (half-up); None when nothing to divide by."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
