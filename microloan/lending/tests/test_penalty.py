"""Penalty interest: exact daily amounts, rounding modes, grace and spans of days."""

from datetime import date
from decimal import Decimal

import pytest

from microloan.lending.penalty import (
    penalty_between,
    penalty_daily_rate,
    penalty_days,
    penalty_for_day,
)

D = Decimal


@pytest.mark.parametrize(
    ("principal", "rate", "multiplier", "rounding", "expected"),
    [
        # 10,000.00 yuan × 0.05 % × 1.5 = 7.50 yuan a day (contract 5.00 + 50 % on top).
        (1_000_000, D("0.0005"), D("1.5"), "half_up", 750),
        (1_000_000, D("0.0005"), D("1"), "half_up", 500),
        (1_000_000, D("0.0005"), D("2"), "half_up", 1000),
        (0, D("0.0005"), D("1.5"), "half_up", 0),
        # 333 × 0.0005 × 1.5 = 0.24975 fen
        (333, D("0.0005"), D("1.5"), "half_up", 0),
        (333, D("0.0005"), D("1.5"), "up", 1),
        # 1000 × 0.0003 × 1.5 = 0.45; 3000 × 0.0003 × 1.5 = 1.35; 10000 × 0.0001 × 1.5 = 1.5
        (1000, D("0.0003"), D("1.5"), "half_up", 0),
        (3000, D("0.0003"), D("1.5"), "half_up", 1),
        (10_000, D("0.0001"), D("1.5"), "half_up", 2),
        (10_000, D("0.0001"), D("1.5"), "half_even", 2),
        (30_000, D("0.0001"), D("1.5"), "half_even", 4),  # 4.5 → 4
        (30_000, D("0.0001"), D("1.5"), "half_up", 5),
        (30_000, D("0.0001"), D("1.5"), "down", 4),
        # Large balance, rate with 8 decimals: exact, no float drift.
        (10**12, D("0.00012345"), D("1.75"), "half_up", 216_037_500),
        (12_345_678_901, D("0.00000001"), D("1.5"), "half_up", 185),
    ],
)
def test_penalty_for_day(principal, rate, multiplier, rounding, expected):
    assert penalty_for_day(principal, rate, multiplier, rounding) == expected


def test_penalty_rate_is_contract_rate_times_multiplier():
    assert penalty_daily_rate(D("0.0005"), D("1.5")) == D("0.00075")
    assert penalty_daily_rate(D("0.00012345"), D("1.25")) == D("0.0001543125")


DUE = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("first_day", "last_day", "grace_days", "days"),
    [
        (date(2026, 3, 10), date(2026, 3, 10), 1, 0),  # the due date itself
        (date(2026, 3, 11), date(2026, 3, 11), 1, 0),  # the grace day
        (date(2026, 3, 11), date(2026, 3, 12), 1, 1),  # first charged day: DPD 2
        (date(2026, 3, 1), date(2026, 3, 31), 1, 20),  # 12th … 31st
        (date(2026, 3, 1), date(2026, 3, 31), 0, 21),  # 11th … 31st
        (date(2026, 3, 20), date(2026, 3, 25), 1, 6),  # a span well past grace
        (date(2026, 3, 25), date(2026, 3, 20), 1, 0),  # empty span
        (date(2026, 3, 11), date(2026, 3, 13), 3, 0),
        (date(2026, 3, 11), date(2026, 3, 14), 3, 1),
    ],
)
def test_charged_days(first_day, last_day, grace_days, days):
    assert (
        penalty_days(due_date=DUE, first_day=first_day, last_day=last_day, grace_days=grace_days)
        == days
    )


def test_penalty_between_is_the_sum_of_rounded_days():
    kwargs = {
        "overdue_principal": 30_000,
        "daily_rate": D("0.0001"),
        "multiplier": D("1.5"),
        "due_date": DUE,
        "first_day": date(2026, 3, 11),
        "last_day": date(2026, 3, 20),
    }
    # 10 days, the first in grace: 9 charged days × round(4.5) = 9 × 5, not round(40.5).
    assert penalty_between(**kwargs) == 45
    assert penalty_between(**kwargs, rounding="half_even") == 36
    assert penalty_between(**kwargs, grace_days=0) == 50
    assert penalty_between(**{**kwargs, "last_day": date(2026, 3, 11)}) == 0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((-1, D("0.0005"), D("1.5")), ValueError),
        ((100, D("-0.0005"), D("1.5")), ValueError),
        ((100, D("0.0005"), D("-1")), ValueError),
        ((100, D("NaN"), D("1.5")), ValueError),
        ((100, 0.0005, D("1.5")), TypeError),
        ((100, D("0.0005"), 1.5), TypeError),
        ((100.0, D("0.0005"), D("1.5")), TypeError),
        ((True, D("0.0005"), D("1.5")), TypeError),
    ],
)
def test_bad_input_is_refused(args, error):
    with pytest.raises(error):
        penalty_for_day(*args)


def test_unknown_rounding_mode_is_refused():
    with pytest.raises(ValueError):
        penalty_for_day(100, D("0.0005"), D("1.5"), "bankers")


@pytest.mark.parametrize("grace_days", [-1, 1.5, None])
def test_bad_grace_days_are_refused(grace_days):
    with pytest.raises(ValueError):
        penalty_days(due_date=DUE, first_day=DUE, last_day=DUE, grace_days=grace_days)
