"""APR by the IRR method, checked against values computed another way."""

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import ValidationFailed
from microloan.loanmath.apr import (
    annual_percentage_rate,
    apr_for_schedule,
    effective_annual_rate,
)
from microloan.loanmath.schedules import generate_schedule

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


def test_disclosed_apr_with_equal_periods_is_the_periodic_irr_times_periods_per_year():
    # Payments every 73 days = 5 periods a year: APR = per-period IRR × 5, solved exactly.
    cashflows = [(DAY0 + timedelta(days=73 * k), 110_000) for k in range(1, 11)]
    period = per_period_irr(1_000_000, 110_000, 10)
    expected = Decimal(float(period * 5)).quantize(FOUR, rounding=ROUND_HALF_UP)
    disclosed = annual_percentage_rate(
        principal=1_000_000, disbursement_date=DAY0, cashflows=cashflows
    )
    assert disclosed == expected == Decimal("0.0886")


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
    ("cashflows", "fees", "expected"),
    [
        # One period, the whole term: the APR is the simple annual rate of the loan.
        ([(DAY0 + timedelta(days=365), 1_100_000)], 0, "0.1000"),
        ([(DAY0 + timedelta(days=365), 1_000_000)], 0, "0.0000"),
        # 7-day payday loan at 5 %: 5 % × 365 / 7 = 260.71 %.
        ([(DAY0 + timedelta(days=7), 1_050_000)], 0, "2.6071"),
        # 182 days, 9.1 % on 980,000 received: (1,091,000 / 980,000 − 1) × 365 / 182 = 22.72 %.
        ([(DAY0 + timedelta(days=182), 1_091_000)], 20_000, "0.2272"),
    ],
)
def test_disclosed_apr_of_simple_cashflows(cashflows, fees, expected):
    nominal = annual_percentage_rate(
        principal=1_000_000, disbursement_date=DAY0, cashflows=cashflows, fees_upfront=fees
    )
    assert nominal == Decimal(expected)


# Worked examples (docs/servicing.md, "APR"): 10,000.00 at 0.05 %/day is 18.25 % by every
# method and term, the bullet included (it was disclosed as 16.88 % when the APR was the
# monthly IRR × 12 of a 365-day single period); other rates give daily rate × 365.
@pytest.mark.parametrize(
    ("principal", "rate", "method", "term", "start", "expected"),
    [
        (1_000_000, "0.0005", "bullet", 12, DAY0, "0.1825"),
        (1_000_000, "0.0005", "bullet", 1, DAY0, "0.1825"),
        (1_000_000, "0.0005", "equal_instalment", 12, DAY0, "0.1825"),
        (1_000_000, "0.0005", "equal_principal", 12, DAY0, "0.1825"),
        (1_000_000, "0.0005", "interest_first", 12, DAY0, "0.1825"),
        (20_000_000, "0.0002", "equal_instalment", 24, date(2024, 1, 31), "0.0730"),
        (4_000_000, "0.0004", "equal_principal", 5, date(2024, 12, 31), "0.1460"),
        (50_000, "0.00035", "interest_first", 10, date(2024, 2, 29), "0.1278"),  # 12.775 %
        # Fen rounding leaves these cash flows at 12.7749… %: the contract's 12.775 % is shown.
        (1_000_000, "0.00035", "equal_instalment", 5, date(2024, 1, 1), "0.1278"),
        (1_000_000, "0.000333", "bullet", 3, DAY0, "0.1216"),  # 12.1545 % rounded up
    ],
)
def test_disclosed_apr_worked_examples(principal, rate, method, term, start, expected):
    rows = generate_schedule(
        principal=principal,
        daily_rate=Decimal(rate),
        method=method,
        term_months=term,
        start_date=start,
    )
    assert apr_for_schedule(principal, start, rows, daily_rate=Decimal(rate)) == Decimal(expected)


def test_bullet_apr_is_its_simple_rate_exactly():
    rows = generate_schedule(
        principal=1_000_000,
        daily_rate=Decimal("0.0005"),
        method="bullet",
        term_months=12,
        start_date=DAY0,
    )
    (row,) = rows
    days = (row.due_date - DAY0).days
    assert row.interest == 1_000_000 * days // 2000  # 0.05 % a day, exact
    simple = Fraction(row.total - 1_000_000, 1_000_000) * 365 / days
    assert Decimal(float(simple)).quantize(FOUR) == apr_for_schedule(1_000_000, DAY0, rows)


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(50_000, 20_000_000),
    rate=st.integers(1, 70_000).map(lambda n: Decimal(n) / 10**8),
    method=st.sampled_from(["equal_instalment", "equal_principal", "interest_first", "bullet"]),
    term=st.integers(1, 36),
    start=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    rounding=st.sampled_from(["half_up", "half_even", "down", "up"]),
    fees=st.integers(0, 5_000),
)
def test_disclosed_apr_is_never_below_the_simple_annual_rate(
    principal, rate, method, term, start, rounding, fees
):
    term = min(term, 12) if method == "bullet" else term
    rows = generate_schedule(
        principal=principal,
        daily_rate=rate,
        method=method,
        term_months=term,
        start_date=start,
        rounding=rounding,
    )
    disclosed = apr_for_schedule(principal, start, rows, fees_upfront=fees)
    stated = apr_for_schedule(principal, start, rows, fees_upfront=fees, daily_rate=rate)
    assert stated >= rate * 365  # never below the contract's simple rate, whatever the rounding
    assert stated - max(disclosed, rate * 365) < FOUR  # and at most the rounding up above it
    # The simple rate of the schedule's own cash flows: interest and fees over principal-days.
    principal_days = sum(
        (r.principal + r.balance_after) * (r.due_date - r.start_date).days for r in rows
    )
    simple = Fraction(sum(r.interest for r in rows) + fees) * 365 / principal_days
    assert disclosed >= Decimal(float(simple)).quantize(FOUR, rounding=ROUND_HALF_UP)
    if rounding == "up":  # every period charges at least daily rate × days: so does the APR
        assert disclosed >= (rate * 365).quantize(FOUR, rounding=ROUND_HALF_UP)
    if fees == 0:  # without fees the IRR and the simple rate agree to the disclosed 0.01 %
        assert abs(disclosed - Decimal(float(simple))) <= Decimal("0.00006")
