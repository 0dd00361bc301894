"""The SQL fragments compute what the pure rules compute, on this database (SQLite or PG)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.batch.sql import date_literal, days_since
from microloan.kernel.rounding import ROUNDING_MODES, round_fen
from microloan.lending.classification import bucket, classify
from microloan.lending.eod.sql import bucket_case, category_case, round_rate_product

pytestmark = pytest.mark.django_db
SCALE = 10**8


def _select(expression: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}")
        return cursor.fetchone()[0]


def _expected(product: int, mode: str) -> int:
    return round_fen(Decimal(product) / SCALE, mode)


@pytest.mark.parametrize("mode", sorted(ROUNDING_MODES))
@pytest.mark.parametrize(
    "product",
    [
        0,
        1,
        SCALE // 2 - 1,
        SCALE // 2,
        SCALE // 2 + 1,
        SCALE - 1,
        SCALE,
        SCALE + SCALE // 2,
        2 * SCALE + SCALE // 2,
        3 * SCALE + SCALE // 2,
        4_000_000 * 50_000 * 366,
    ],
)
def test_rounding_ties_and_edges(product, mode):
    assert _select(round_rate_product(str(product), f"'{mode}'")) == _expected(product, mode)


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(0, 20_000_000),
    rate_e8=st.integers(0, 100_000),
    days=st.integers(0, 400),
    mode=st.sampled_from(sorted(ROUNDING_MODES)),
)
def test_rounding_matches_decimal_rounding(principal, rate_e8, days, mode):
    product = principal * rate_e8 * days
    # BIGINT as the loan columns are: PostgreSQL would multiply bare literals as int4.
    sql = round_rate_product(f"CAST({principal} AS BIGINT) * {rate_e8} * {days}", f"'{mode}'")
    assert _select(sql) == _expected(product, mode)


def test_category_and_bucket_match_lending_rules():
    cases = [(dpd, restructured) for dpd in range(0, 400) for restructured in (False, True)]
    values = ", ".join(f"({dpd}, {'TRUE' if r else 'FALSE'})" for dpd, r in cases)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d, r, {category_case('d', 'r')}, {bucket_case('d')}"
            f" FROM (VALUES {values}) AS t(d, r)"
            if connection.vendor == "postgresql"
            else f"SELECT column1, column2, {category_case('column1', 'column2')},"
            f" {bucket_case('column1')} FROM (VALUES {values})"
        )
        rows = cursor.fetchall()
    assert len(rows) == len(cases)
    for dpd, restructured, category, dpd_bucket in rows:
        assert category == classify(dpd, bool(restructured)), (dpd, restructured)
        assert dpd_bucket == bucket(dpd), dpd


@pytest.mark.parametrize(
    ("day", "start", "days"),
    [
        (dt.date(2026, 3, 1), dt.date(2026, 2, 28), 1),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1), 0),
        (dt.date(2028, 3, 1), dt.date(2028, 2, 1), 29),  # leap February
        (dt.date(2027, 1, 1), dt.date(2026, 1, 1), 365),
    ],
)
def test_days_since(day, start, days):
    assert _select(days_since(day, date_literal(start))) == days


def test_date_literal_refuses_anything_but_a_date():
    with pytest.raises(TypeError):
        date_literal("2026-01-01'; DROP TABLE x; --")
    with pytest.raises(TypeError):
        date_literal(dt.datetime(2026, 1, 1, 12))
