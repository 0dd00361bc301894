"""APR by the IRR method, checked against values computed another way."""

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import ValidationFailed
from microloan.lending.apr import (
    annual_percentage_rate,
    apr_for_schedule,
    effective_annual_rate,
)
from microloan.lending.schedules import generate_schedule

DAY0 = date(2025, 3, 15)
FOUR = Decimal("0.0001")


def apr(cashflows, principal=1_000_000, fees=0):
    return effective_annual_rate(
        principal=principal, disbursement_date=DAY0, cashflows=cashflows, fees_upfront=fees
    )


@pytest.mark.parametrize(
    ("cashflows", "fees", "expected"),
    [
        ([(DAY0 + timedelta(days=365), 1_100_000)], 0, "0.1000"),
        ([(DAY0 + timedelta(days=730), 1_210_000)], 0, "0.1000"),  # 10 % compounded twice
        ([(DAY0 + timedelta(days=365), 990_000)], 100_000, "0.1000"),  # fee paid on 900,000
        ([(DAY0 + timedelta(days=365), 1_000_000)], 0, "0.0000"),
        ([(DAY0 + timedelta(days=365), 900_000)], 0, "-0.1000"),
        # A 7-day 5 % payday loan: 1.05^(365/7) − 1 = e^2.544059… − 1 = 1173.12 %.
        ([(DAY0 + timedelta(days=7), 1_050_000)], 0, "11.7312"),
        # Half the money back the next day: 0.5^365 − 1, i.e. −100 % to 4 places.
        ([(DAY0 + timedelta(days=1), 500_000)], 0, "-1.0000"),
    ],
)
def test_simple_cashflows(cashflows, fees, expected):
    assert str(apr(cashflows, fees=fees)) == expected


def per_period_irr(principal, payment, periods):
    """Rate per period by bisection on exact rationals (integer powers only)."""
    low, high = Fraction(0), Fraction(1)
    for _ in range(80):
        middle = (low + high) / 2
        value = sum(payment / (1 + middle) ** k for k in range(1, periods + 1))
        low, high = (middle, high) if value > principal else (low, middle)
    return low


def test_equally_spaced_cashflows_match_a_per_period_irr():
    # Payments every 73 days = 5 a year, so the APR is (1 + per-period IRR)^5 − 1 exactly.
    cashflows = [(DAY0 + timedelta(days=73 * k), 110_000) for k in range(1, 11)]
    period = per_period_irr(1_000_000, 110_000, 10)
    expected = Decimal(float((1 + period) ** 5 - 1)).quantize(FOUR, rounding=ROUND_HALF_UP)
    assert apr(cashflows) == expected == Decimal("0.0918")


def irr_by_decimal_bisection(principal, start, cashflows):
    """The APR equation solved by plain bisection in 40-digit Decimal arithmetic."""
    with localcontext() as context:
        context.prec = 40
        low, high = Decimal(0), Decimal(1)
        for _ in range(70):
            middle = (low + high) / 2
            value = sum(
                Decimal(amount) / (1 + middle) ** (Decimal((day - start).days) / 365)
                for day, amount in cashflows
            )
            low, high = (middle, high) if value > principal else (low, middle)
        return low.quantize(FOUR, rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("principal", "rate", "method", "term", "start", "expected"),
    [
        # 0.05 %/day: simple 18.25 %; paid monthly it compounds to 19.86 % (see apr.py).
        (1_000_000, "0.0005", "equal_instalment", 12, DAY0, "0.1986"),
        (1_000_000, "0.0005", "equal_principal", 12, DAY0, "0.1986"),
        (1_000_000, "0.0005", "bullet", 12, DAY0, "0.1825"),
        (20_000_000, "0.0002", "equal_instalment", 24, date(2024, 1, 31), "0.0755"),
        (4_000_000, "0.0004", "equal_instalment", 5, date(2024, 12, 31), "0.1562"),
    ],
)
def test_schedule_apr(principal, rate, method, term, start, expected):
    rows = generate_schedule(
        principal=principal,
        daily_rate=Decimal(rate),
        method=method,
        term_months=term,
        start_date=start,
    )
    result = apr_for_schedule(principal, start, rows, effective=True)
    cashflows = [(row.due_date, row.total) for row in rows]
    assert result == irr_by_decimal_bisection(principal, start, cashflows) == Decimal(expected)


def test_headline_apr_against_monthly_irr():
    rows = generate_schedule(
        principal=1_000_000,
        daily_rate=Decimal("0.0005"),
        method="equal_instalment",
        term_months=12,
        start_date=DAY0,
    )
    low, high = Fraction(0), Fraction(1, 10)
    for _ in range(80):
        middle = (low + high) / 2
        value = sum(row.total / (1 + middle) ** row.number for row in rows)
        low, high = (middle, high) if value > 1_000_000 else (low, middle)
    effective = float((1 + low) ** 12 - 1)
    # Equal-length months would give (1 + m)^12 − 1; actual month lengths move it by < 0.2 pp.
    assert abs(float(apr_for_schedule(1_000_000, DAY0, rows, effective=True)) - effective) < 0.002
    # The disclosed APR is the monthly IRR × 12: 18.35 % with equal months, 18.25 % with the
    # actual month lengths (a month = 365/12 days).
    assert abs(float(apr_for_schedule(1_000_000, DAY0, rows)) - float(12 * low)) < 0.002
    assert apr_for_schedule(1_000_000, DAY0, rows) == Decimal("0.1825")


def test_fees_raise_the_apr():
    rows = generate_schedule(
        principal=1_000_000,
        daily_rate=Decimal("0.0005"),
        method="equal_instalment",
        term_months=12,
        start_date=DAY0,
    )
    with_fee = apr_for_schedule(1_000_000, DAY0, rows, fees_upfront=20_000, effective=True)
    assert with_fee > apr_for_schedule(1_000_000, DAY0, rows, effective=True)
    assert apr_for_schedule(1_000_000, DAY0, rows, fees_upfront=20_000) > apr_for_schedule(
        1_000_000, DAY0, rows
    )
    assert with_fee == irr_by_decimal_bisection(
        980_000, DAY0, [(r.due_date, r.total) for r in rows]
    )


@settings(max_examples=200, deadline=None)
@given(days=st.integers(1, 1_000), growth=st.fractions(Fraction(1, 2), 3))
def test_single_repayment_matches_the_closed_form(days, growth):
    repaid = int(1_000_000 * growth)
    log_growth = math.log(repaid / 1_000_000) * 365 / days  # ln(1 + APR)
    cashflows = [(DAY0 + timedelta(days=days), repaid)]
    if log_growth > math.log1p(1e9):
        with pytest.raises(ValidationFailed):
            apr(cashflows)
    else:
        closed_form = math.expm1(log_growth)
        assert abs(float(apr(cashflows)) - closed_form) <= 0.00005 + 1e-9 * abs(closed_form)


@pytest.mark.parametrize(
    ("arguments", "code", "field"),
    [
        ({"principal": 0}, "invalid_principal", "principal"),
        ({"fees_upfront": -1}, "invalid_fee", "fees_upfront"),
        ({"fees_upfront": 1_000_000}, "invalid_fee", "fees_upfront"),
        ({"cashflows": []}, "no_cashflows", "cashflows"),
        ({"cashflows": [(DAY0, 1_100_000)]}, "cashflow_before_disbursement", "cashflows[0].date"),
        ({"cashflows": [(DAY0 + timedelta(days=30), -1)]}, "invalid_amount", "cashflows[0].amount"),
        (
            {"cashflows": [(DAY0 + timedelta(days=30), 1.5)]},
            "invalid_amount",
            "cashflows[0].amount",
        ),
        ({"cashflows": [(DAY0 + timedelta(days=30), 0)]}, "no_cashflows", "cashflows"),
        ({"cashflows": [(DAY0 + timedelta(days=1), 10**15)]}, "apr_out_of_range", "cashflows"),
    ],
)
def test_bad_input_is_refused(arguments, code, field):
    base = {
        "principal": 1_000_000,
        "disbursement_date": DAY0,
        "cashflows": [(DAY0 + timedelta(days=365), 1_100_000)],
    }
    with pytest.raises(ValidationFailed) as info:
        annual_percentage_rate(**(base | arguments))
    assert info.value.code == code
    assert field in info.value.fields


@pytest.mark.parametrize(
    ("cashflows", "expected"),
    [
        # 10 % effective a year ↔ 12 × (1.1^(1/12) − 1) = 9.569 % nominal monthly.
        ([(DAY0 + timedelta(days=365), 1_100_000)], "0.0957"),
        ([(DAY0 + timedelta(days=365), 1_000_000)], "0.0000"),
    ],
)
def test_disclosed_apr_is_monthly_irr_times_twelve(cashflows, expected):
    nominal = annual_percentage_rate(
        principal=1_000_000, disbursement_date=DAY0, cashflows=cashflows
    )
    assert nominal == Decimal(expected)
