"""Pure rules: the bucket table at every boundary, contact hours, the conduct check."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.regulation import MAX_DAILY_CONTACT_ATTEMPTS
from microloan.lending.eod.sql import bucket_case

from ..domain import (
    ContactCheck,
    case_bucket,
    conduct_refusals,
    local_time,
    rate,
    within_contact_hours,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (0, None),
        (1, "M1"),
        (30, "M1"),
        (31, "M2"),
        (60, "M2"),
        (61, "M3"),
        (90, "M3"),
        (91, "M3+"),
        (400, "M3+"),
    ],
)
def test_bucket_table(dpd, bucket):
    assert case_bucket(dpd) == bucket


@pytest.mark.parametrize("dpd", [-1, 1.5, True, "3"])
def test_bucket_refuses_what_is_not_a_day_count(dpd):
    with pytest.raises(ValueError):
        case_bucket(dpd)


@given(st.integers(min_value=0, max_value=2000))
def test_sql_bucket_agrees_with_python(dpd):
    import sqlite3

    (value,) = sqlite3.connect(":memory:").execute(f"SELECT {bucket_case(str(dpd))}").fetchone()
    assert (None if value == "M0" else value) == case_bucket(dpd)


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [
        ("07:59:59", False),
        ("08:00:00", True),
        ("20:59:59", True),
        ("21:00:00", False),
        ("23:30:00", False),
        ("12:00:00", True),
    ],
)
def test_contact_hours_boundaries(clock, allowed):
    local = dt.datetime.combine(dt.date(2026, 4, 10), dt.time.fromisoformat(clock), SHANGHAI)
    assert within_contact_hours(local) is allowed


def test_local_time_uses_the_borrower_zone():
    utc = dt.datetime(2026, 4, 10, 0, 30, tzinfo=dt.UTC)  # 08:30 in Shanghai
    assert local_time(utc, "Asia/Shanghai").time() == dt.time(8, 30)
    with pytest.raises(ValueError):
        local_time(dt.datetime(2026, 4, 10, 8, 30), "Asia/Shanghai")


def _check(**changes) -> ContactCheck:
    values = {
        "local": dt.datetime(2026, 4, 10, 10, 0, tzinfo=SHANGHAI),
        "attempts_today": 0,
        "channel": "phone",
        "number_index": "fp:abc",
        "borrower_number_index": "fp:abc",
        "collector_pk": 7,
        "assigned_collector_pk": 7,
    }
    values.update(changes)
    return ContactCheck(**values)


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({}, []),
        ({"attempts_today": MAX_DAILY_CONTACT_ATTEMPTS - 1}, []),  # the 3rd attempt
        ({"attempts_today": MAX_DAILY_CONTACT_ATTEMPTS}, ["daily_attempts_exceeded"]),  # the 4th
        ({"number_index": "fp:other"}, ["not_borrower_number"]),
        ({"number_index": ""}, ["not_borrower_number"]),
        ({"channel": "visit", "number_index": ""}, []),
        ({"collector_pk": 8}, ["not_assigned"]),
        ({"assigned_collector_pk": None}, ["not_assigned"]),
        (
            {
                "collector_pk": 8,
                "local": dt.datetime(2026, 4, 10, 7, 59, tzinfo=SHANGHAI),
                "attempts_today": 5,
                "number_index": "fp:x",
            },
            [
                "not_assigned",
                "outside_contact_hours",
                "daily_attempts_exceeded",
                "not_borrower_number",
            ],
        ),
    ],
)
def test_conduct_refusals(changes, reasons):
    assert conduct_refusals(_check(**changes)) == reasons


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 3, "0.3333"), (2, 3, "0.6667"), (5, 5, "1.0000"), (0, 7, "0.0000"), (3, 0, None)],
)
def test_rate(numerator, denominator, expected):
    value = rate(numerator, denominator)
    assert (None if value is None else str(value)) == expected
