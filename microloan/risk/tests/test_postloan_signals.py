"""Early-warning signal definitions and the check calendar, on constructed histories."""

import datetime as dt

import pytest

from microloan.risk.postloan.signals import (
    MonthActivity,
    first_business_day,
    id_expiry_state,
    is_first_business_day,
    month_ends_before,
    repeated_minimum_payments,
    rising_utilisation,
)

D = dt.date


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2026, 12, D(2026, 12, 1)),  # a Tuesday
        (2026, 11, D(2026, 11, 2)),  # the 1st is a Sunday
        (2026, 8, D(2026, 8, 3)),  # the 1st is a Saturday
        (2026, 6, D(2026, 6, 1)),  # a Monday
    ],
)
def test_first_business_day(year, month, first):
    assert first_business_day(year, month) == first
    assert is_first_business_day(first)
    assert not is_first_business_day(first + dt.timedelta(days=1))


def test_month_ends_before_crosses_the_year_and_february():
    assert month_ends_before(D(2026, 3, 1), 4) == [
        D(2025, 11, 30),
        D(2025, 12, 31),
        D(2026, 1, 31),
        D(2026, 2, 28),
    ]
    assert month_ends_before(D(2026, 3, 31), 1) == [D(2026, 2, 28)]


M = MonthActivity


@pytest.mark.parametrize(
    ("months", "start", "end", "expected"),
    [
        # Paid exactly what fell due three months out of four while principal grew: flagged.
        ([M(500, 500), M(500, 500), M(500, 900), M(500, 500)], 10_000, 14_000, True),
        # Same payments, principal went down: an ordinary instalment borrower.
        ([M(500, 500), M(500, 500), M(500, 500), M(500, 500)], 10_000, 8_000, False),
        # Principal flat: not rising.
        ([M(500, 500), M(500, 500), M(500, 500), M(500, 500)], 10_000, 10_000, False),
        # Only two minimum months (two prepaid more than due).
        ([M(500, 500), M(500, 800), M(500, 500), M(500, 700)], 10_000, 14_000, False),
        # Nothing paid is not a minimum payment (that is delinquency, scored elsewhere).
        ([M(500, 0), M(500, 500), M(500, 0), M(500, 500)], 10_000, 14_000, False),
        # Partial payments count as paying no more than due.
        ([M(500, 200), M(500, 500), M(500, 300), M(0, 0)], 10_000, 14_000, True),
    ],
)
def test_repeated_minimum_payments(months, start, end, expected):
    assert (
        repeated_minimum_payments(months, principal_at_start=start, principal_at_end=end)
        is expected
    )


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([100, 200, 300, 400], True),
        ([0, 100, 200, 300, 400], True),
        ([500, 100, 200, 300], False),  # 3 increases from the 2nd value only: 2 steps
        ([100, 200, 200, 300], False),  # a flat month breaks the run
        ([100, 200, 300], False),  # too short a history
        ([400, 300, 200, 100], False),
    ],
)
def test_rising_utilisation(series, expected):
    assert rising_utilisation(series) is expected


@pytest.mark.parametrize(
    ("expiry", "state"),
    [
        (None, ""),
        (D(2026, 12, 31), ""),  # 31 days out
        (D(2026, 12, 30), "expiring"),  # exactly 30 days
        (D(2026, 11, 30), "expiring"),  # today
        (D(2026, 11, 29), "expired"),
    ],
)
def test_id_expiry_state(expiry, state):
    assert id_expiry_state(expiry, D(2026, 11, 30)) == state
