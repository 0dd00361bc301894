"""Early-warning signals and the check calendar: pure functions on facts the batch gathered.

Definitions (the tests hold a worked example of each):

- **Repeated minimum payments** — of the last ``window`` (4) calendar months that had an
  instalment due on the line, in at least ``min_months`` (3) the borrower paid something but no
  more principal and interest than fell due that month (no prepayment, no catching up beyond
  the instalment), **and** the line's outstanding principal is higher at the end of the window
  than at the end of its first month (a loan drawn in that month is not "drawing more"): the
  borrower only services the debt while borrowing more. Paying exactly the
  instalment is what every instalment borrower does; it is a warning only with rising debt.
- **Rising utilisation** — the line's outstanding principal at the last ``increases + 1`` (4)
  month-ends rose at each of the ``increases`` (3) steps. The limit may have changed meanwhile,
  so principal is compared, which is utilisation against the current limit.
- **Overdue on another line** — another open line of the same customer has a loan past its
  grace days (``dpd > grace_days``).
- **Blacklist hit** — an entry in force matches the customer's ID number, phone or card
  (blind indexes) or device id.
- **ID expiring** — the customer's ID card expires within ``id_expiry_days`` (30) of the
  business date, or has expired.

Month-ends are those before the business date's month: on 2026-12-01 the last is 2026-11-30.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import NamedTuple


def first_business_day(year: int, month: int) -> dt.date:
    """The month's first Monday–Friday (there is no holiday calendar yet)."""
    day = dt.date(year, month, 1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def is_first_business_day(day: dt.date) -> bool:
    return day == first_business_day(day.year, day.month)


def monthly_slot(day: dt.date, cycle_days: int) -> int | None:
    """Which share of the lines is due its monthly check on ``day``: the day's index among the
    month's Monday–Fridays (0 on the first), when below ``cycle_days``; None on other days.

    Every month has at least 20 weekdays, so with ``cycle_days`` ≤ 20 each share (line id mod
    ``cycle_days``) comes round exactly once a month; ``cycle_days`` = 1 checks every line on the
    first business day."""
    if day.weekday() >= 5:
        return None
    index = sum(1 for d in range(1, day.day) if dt.date(day.year, day.month, d).weekday() < 5)
    return index if index < cycle_days else None


def month_ends_before(day: dt.date, count: int) -> list[dt.date]:
    """The last ``count`` month-ends before ``day``'s month, oldest first."""
    ends = []
    end = day.replace(day=1) - dt.timedelta(days=1)
    for _ in range(count):
        ends.append(end)
        end = end.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


class MonthActivity(NamedTuple):
    """One calendar month of a line: principal and interest that fell due, and what was paid
    of principal and interest (any instalment, any loan of the line)."""

    due: int
    paid: int

    @property
    def minimum_only(self) -> bool:
        return self.due > 0 and 0 < self.paid <= self.due


def repeated_minimum_payments(
    months: Sequence[MonthActivity],
    *,
    principal_at_start: int,
    principal_at_end: int,
    min_months: int = 3,
) -> bool:
    """``months`` oldest first (the window); see the module docstring."""
    if principal_at_end <= principal_at_start:
        return False
    return sum(1 for due, paid in months if due > 0 and 0 < paid <= due) >= min_months


def rising_utilisation(principal_at_month_ends: Sequence[int], *, increases: int = 3) -> bool:
    """True when the last ``increases`` month-end steps each went up (oldest value first)."""
    tail = list(principal_at_month_ends)[-(increases + 1) :]
    if len(tail) < increases + 1:
        return False
    return all(later > earlier for earlier, later in itertools.pairwise(tail))


def id_expiry_state(id_expiry: dt.date | None, today: dt.date, *, within_days: int = 30) -> str:
    """ "expired", "expiring" (within ``within_days``) or "" (fine, or no expiry on file)."""
    if id_expiry is None:
        return ""
    if id_expiry < today:
        return "expired"
    if id_expiry <= today + dt.timedelta(days=within_days):
        return "expiring"
    return ""
