"""Schedule rules: due-date anchoring, validation, interest helpers and invariants."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import BusinessRuleViolation, ValidationFailed
from microloan.loanmath.schedules import (
    RepaymentMethod,
    add_months,
    generate_schedule,
    interest_accrued_to,
    interest_for_days,
    level_payment,
    monthly_due_dates,
    period_days,
)


def schedule(**overrides):
    loan = {
        "principal": 1_000_000,
        "daily_rate": Decimal("0.0005"),
        "method": "equal_instalment",
        "term_months": 12,
        "start_date": date(2025, 3, 15),
    }
    return generate_schedule(**(loan | overrides))


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 31st: last day of short months, back to the 31st when the month has one.
        (date(2024, 1, 31), ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]),
        (date(2023, 1, 31), ["2023-02-28", "2023-03-31", "2023-04-30", "2023-05-31"]),
        # 30th and 29th: only February is short (29 days in a leap year).
        (date(2024, 1, 30), ["2024-02-29", "2024-03-30", "2024-04-30", "2024-05-30"]),
        (date(2023, 1, 29), ["2023-02-28", "2023-03-29", "2023-04-29", "2023-05-29"]),
        (date(2024, 1, 29), ["2024-02-29", "2024-03-29", "2024-04-29", "2024-05-29"]),
        # Over a year end, and from a leap day (never drifts to the 28th afterwards).
        (date(2023, 11, 30), ["2023-12-30", "2024-01-30", "2024-02-29", "2024-03-30"]),
        (date(2024, 2, 29), ["2024-03-29", "2024-04-29", "2024-05-29", "2024-06-29"]),
    ],
)
def test_due_dates_anchor_on_the_start_day(start, expected):
    assert [d.isoformat() for d in monthly_due_dates(start, 4)] == expected


def test_given_first_due_date_becomes_the_anchor():
    dates = monthly_due_dates(date(2025, 1, 10), 3, first_due_date=date(2025, 1, 31))
    assert dates == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
    rows = schedule(start_date=date(2025, 1, 10), first_due_date=date(2025, 1, 31), term_months=3)
    assert rows[0].start_date == date(2025, 1, 10)
    assert rows[0].interest == 1_000_000 * 21 // 2000  # 21 days × 0.05 % = 105.00


def test_add_months_over_many_years():
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 31), -10) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"principal": 0}, "invalid_principal", "principal"),
        ({"principal": -100}, "invalid_principal", "principal"),
        ({"principal": 100.0}, "invalid_principal", "principal"),
        ({"principal": True}, "invalid_principal", "principal"),
        ({"term_months": 0}, "invalid_term", "term_months"),
        ({"term_months": 61}, "invalid_term", "term_months"),
        ({"term_months": "12"}, "invalid_term", "term_months"),
        ({"daily_rate": Decimal("-0.0001")}, "invalid_rate", "daily_rate"),
        ({"daily_rate": Decimal("1")}, "invalid_rate", "daily_rate"),
        ({"daily_rate": Decimal("NaN")}, "invalid_rate", "daily_rate"),
        ({"daily_rate": 0.0005}, "invalid_rate", "daily_rate"),
        ({"first_due_date": date(2025, 3, 14)}, "invalid_first_due_date", "first_due_date"),
        ({"first_due_date": date(2025, 3, 15)}, "invalid_first_due_date", "first_due_date"),
        ({"day_count": 364}, "invalid_day_count", "day_count"),
        ({"rounding": "bankers"}, "invalid_rounding", "rounding"),
        ({"method": "balloon"}, "invalid_method", "method"),
    ],
)
def test_bad_input_is_refused_with_code_and_field(overrides, code, field):
    with pytest.raises(ValidationFailed) as info:
        schedule(**overrides)
    assert info.value.code == code
    assert field in info.value.as_dict()["fields"]
    assert info.value.status == 422


@pytest.mark.parametrize(("term", "refused"), [(12, False), (13, True), (60, True)])
def test_bullet_term_limit(term, refused):
    if refused:
        with pytest.raises(BusinessRuleViolation) as info:
            schedule(method="bullet", term_months=term)
        assert info.value.code == "bullet_term_too_long"
    else:
        assert len(schedule(method="bullet", term_months=term)) == 1


def test_methods_accept_enum_or_string():
    assert schedule(method=RepaymentMethod.EQUAL_PRINCIPAL) == schedule(method="equal_principal")


@pytest.mark.parametrize(
    ("principal", "rate", "days", "rounding", "expected"),
    [
        (1_000_000, "0.0005", 31, "half_up", 15_500),
        (923_655, "0.0005", 30, "half_up", 13_855),  # 13,854.825
        (10_001, "0.0005", 1, "half_up", 5),  # 5.0005
        (10_000, "0.00005", 1, "half_up", 1),  # 0.5 exactly → up
        (10_000, "0.00005", 1, "half_even", 0),  # 0.5 exactly → even
        (10_001, "0.0005", 1, "down", 5),
        (10_001, "0.0005", 1, "up", 6),
        (1_000_000, "0", 31, "half_up", 0),
        (1, "0.00000001", 1, "up", 1),
        # Rates of 28 significant digits (annual 20 % / 365) multiply exactly: 19,999,999.8 …
        (99_999_999, str(Decimal("0.2") / 365), 365, "half_up", 20_000_000),
        # … and 1.4999…97 (29 digits) is not rounded to 1.5 on the way (which would give 2).
        (3, "0.4999999999999999999999999999", 1, "half_up", 1),
    ],
)
def test_interest_for_days(principal, rate, days, rounding, expected):
    assert interest_for_days(principal, Decimal(rate), days, rounding) == expected


def test_interest_for_days_refuses_negative_input():
    with pytest.raises(ValueError):
        interest_for_days(100, Decimal("0.0005"), -1)


# Actual days of the 10,000.00 headline loan from 15 Mar 2025 (see the golden tables).
HEADLINE_DAYS = [31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28]


@pytest.mark.parametrize(
    ("principal", "rate", "periods", "rounding", "expected"),
    [
        # By hand: 1,000.00 at 0.1 %/day over 10 then 20 days. 510.00 pays 10.00 interest and
        # 500.00 principal, then 500.00 × 0.1 % × 20 = 10.00 interest and the last 500.00.
        (100_000, "0.001", [10, 20], "half_up", 51_000),
        (100_000, "0.001", [10, 20], "up", 51_000),  # exact: no rounding up
        (100_000, "0.0005", [31], "half_up", 101_550),  # one period: principal + interest
        # The headline: exact A = 91,845.2873 fen (independently in the golden tests' reference).
        (1_000_000, "0.0005", HEADLINE_DAYS, "half_up", 91_845),
        (1_000_000, "0.0005", HEADLINE_DAYS, "down", 91_845),
        (1_000_000, "0.0005", HEADLINE_DAYS, "up", 91_846),
        (1_200, "0", [31] * 12, "half_up", 100),
        (100, "0", [30] * 8, "half_up", 13),  # 12.5 → 13
        (100, "0", [30] * 8, "half_even", 12),
        (100, "0", (28, 31, 30), "up", 34),
    ],
)
def test_level_payment_over_actual_days(principal, rate, periods, rounding, expected):
    for day_count in (360, 365):  # the day count never enters a payment over actual days
        assert level_payment(principal, Decimal(rate), periods, day_count, rounding) == expected


@pytest.mark.parametrize(
    ("principal", "rate", "periods", "day_count", "expected"),
    [
        # A bare count: equal periods of day_count / 12 days, the textbook annuity at 1.5 %/month
        # (360) or 1.5208 %/month (365). Callers without dates still get these.
        (1_000_000, "0.0005", 12, 360, 91_680),
        (1_000_000, "0.0005", 12, 365, 91_799),
        (1_200, "0", 12, 360, 100),
    ],
)
def test_level_payment_over_a_count_of_equal_periods(principal, rate, periods, day_count, expected):
    assert level_payment(principal, Decimal(rate), periods, day_count) == expected


def test_long_first_period_clamps_principal_at_zero():
    # A first period of ~2 months on a 3-month loan at a high rate: interest exceeds the level
    # payment, the instalment carries no principal and the shortfall moves to the last one.
    rows = schedule(
        principal=100_000,
        daily_rate=Decimal("0.02"),
        term_months=3,
        start_date=date(2025, 1, 1),
        first_due_date=date(2025, 3, 1),
    )
    assert rows[0].interest > rows[1].total
    assert rows[0].principal == 0
    assert rows[0].total == rows[0].interest
    assert sum(row.principal for row in rows) == 100_000


def test_interest_accrued_to_for_payoff_quotes():
    rows = schedule()  # 10,000.00 from 15 Mar 2025, first due 15 Apr
    start = interest_accrued_to(
        instalments=rows, as_of=date(2025, 3, 15), daily_rate=Decimal("0.0005")
    )
    assert (start.instalment_number, start.days, start.principal, start.interest) == (
        1,
        0,
        1_000_000,
        0,
    )
    mid = interest_accrued_to(
        instalments=rows, as_of=date(2025, 4, 25), daily_rate=Decimal("0.0005")
    )
    # Period 2 from 15 Apr; 9,236.55 outstanding × 0.0005 × 10 days = 46.18275 → 46.18.
    assert (mid.instalment_number, mid.period_start, mid.days) == (2, date(2025, 4, 15), 10)
    assert (mid.principal, mid.interest) == (923_655, 4_618)
    on_due = interest_accrued_to(
        instalments=rows, as_of=date(2025, 5, 15), daily_rate=Decimal("0.0005")
    )
    assert on_due.interest == rows[1].interest


@pytest.mark.parametrize("as_of", [date(2025, 3, 14), date(2026, 3, 16)])
def test_interest_accrued_to_outside_the_schedule_is_refused(as_of):
    with pytest.raises(ValidationFailed) as info:
        interest_accrued_to(instalments=schedule(), as_of=as_of, daily_rate=Decimal("0.0005"))
    assert info.value.code == "as_of_outside_schedule"


loans = st.fixed_dictionaries(
    {
        "principal": st.integers(100, 100_000_000),
        "daily_rate": st.decimals(min_value=0, max_value=Decimal("0.001"), places=8),
        "method": st.sampled_from(list(RepaymentMethod)),
        "term_months": st.integers(1, 36),
        "start_date": st.dates(date(2000, 1, 1), date(2099, 12, 31)),
        "day_count": st.sampled_from([360, 365]),
        "rounding": st.sampled_from(["half_up", "half_even", "down", "up"]),
    }
)


@settings(max_examples=400, deadline=None)
@given(loan=loans)
def test_schedule_invariants(loan):
    if loan["method"] is RepaymentMethod.BULLET:
        loan["term_months"] = min(loan["term_months"], 12)
    rows = generate_schedule(**loan)
    assert sum(row.principal for row in rows) == loan["principal"]
    assert all(row.principal >= 0 and row.interest >= 0 for row in rows)
    assert all(row.total == row.principal + row.interest for row in rows)
    assert all(row.balance_after >= 0 for row in rows)
    assert rows[-1].balance_after == 0
    balances = [loan["principal"]] + [row.balance_after for row in rows]
    assert all(
        before - row.principal == row.balance_after
        for before, row in zip(balances, rows, strict=False)
    )
    dates = [loan["start_date"]] + [row.due_date for row in rows]
    assert all(later > earlier for earlier, later in pairwise(dates))
    assert [row.start_date for row in rows] == dates[:-1]
    expected_count = 1 if loan["method"] is RepaymentMethod.BULLET else loan["term_months"]
    assert len(rows) == expected_count
    assert rows[-1].due_date - loan["start_date"] <= timedelta(days=31 * loan["term_months"])


def residue_bound(daily_rate: Decimal, days: list[int]) -> int:
    """Most the last equal instalment can differ from the level payment, in whole fen.

    Level payment A = A* + δ (A* exact), interest I_k = exact + ε_k; |ε_k − δ| ≤ 1 in every
    rounding mode (half modes: ½ + ½; down/up: both errors lie on the same side, under 1 fen).
    The balance error then follows e_k = e_{k−1}·f_k + ε_k − δ (f_k = 1 + rate × d_k) and the
    last total is A + e_n, so |last − A| ≤ Σ_k Π_{j>k} f_j: a fen a period, carried forward.
    """
    rate, carried, bound = Fraction(daily_rate), Fraction(1), Fraction(0)
    for days_in_period in reversed(days):
        bound += carried
        carried *= 1 + rate * days_in_period
    return int(bound)  # the residue is whole fen


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(10_000, 10**11),
    daily_rate=st.decimals(min_value=0, max_value=Decimal("0.001"), places=8),
    term_months=st.integers(1, 60),
    start_date=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    first_due_after=st.none() | st.integers(1, 31),
    day_count=st.sampled_from([360, 365]),
    rounding=st.sampled_from(["half_up", "half_even", "down", "up"]),
)
def test_equal_instalment_is_level_up_to_the_rounding_residue(
    principal, daily_rate, term_months, start_date, first_due_after, day_count, rounding
):
    first_due = None if first_due_after is None else start_date + timedelta(first_due_after)
    rows = generate_schedule(
        principal=principal,
        daily_rate=daily_rate,
        method="equal_instalment",
        term_months=term_months,
        start_date=start_date,
        first_due_date=first_due,
        day_count=day_count,
        rounding=rounding,
    )
    days = period_days(start_date, [row.due_date for row in rows])
    level = level_payment(principal, daily_rate, days, rounding=rounding)
    assert [row.total for row in rows[:-1]] == [level] * (term_months - 1)
    assert abs(rows[-1].total - level) <= residue_bound(daily_rate, days)
