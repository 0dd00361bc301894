"""The vectorised batch path equals the scalar path to the fen."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.batch.tests.synthetic_schedules import generate_schedules_batch
from microloan.kernel.errors import BusinessRuleViolation, ValidationFailed
from microloan.loanmath.schedules import RepaymentMethod, generate_schedule

ROUNDINGS = ["half_up", "half_even", "down", "up"]


def assert_batch_equals_scalar(loans, method, day_count=360, rounding="half_up"):
    batch = generate_schedules_batch(
        principals=[loan["principal"] for loan in loans],
        daily_rates=[loan["daily_rate"] for loan in loans],
        terms=[loan["term_months"] for loan in loans],
        method=method,
        start_dates=[loan["start_date"] for loan in loans],
        first_due_dates=[loan.get("first_due_date") for loan in loans],
        day_count=day_count,
        rounding=rounding,
    )
    assert len(batch) == len(loans)
    for index, loan in enumerate(loans):
        expected = generate_schedule(**loan, method=method, day_count=day_count, rounding=rounding)
        assert batch.instalments(index) == expected
    return batch


def loan(principal, rate, term, start, first_due=None):
    return {
        "principal": principal,
        "daily_rate": Decimal(rate),
        "term_months": term,
        "start_date": start,
        "first_due_date": first_due,
    }


@pytest.mark.parametrize("method", list(RepaymentMethod))
@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_headline_loans_and_rounding_ties(method, rounding):
    term = 12
    loans = [
        loan(1_000_000, "0.0005", term, date(2025, 3, 15)),
        loan(20_000_000, "0.0002", term, date(2024, 1, 31)),
        # Zero rate: the level payment is principal / term, exactly an integer or a half.
        loan(1_200, "0", term, date(2024, 1, 30)),
        loan(6, "0", term, date(2024, 1, 29)),
        loan(1_206, "0", term, date(2023, 1, 31)),
        # Interest exactly half a fen in a one-day first period.
        loan(10_000, "0.00005", term, date(2024, 2, 28), date(2024, 2, 29)),
    ]
    batch = assert_batch_equals_scalar(loans, method, rounding=rounding)
    assert batch.principal.dtype == np.int64


@pytest.mark.parametrize("day_count", [360, 365])
def test_mixed_terms_leave_empty_cells_past_each_term(day_count):
    loans = [loan(500_000, "0.00035", term, date(2024, 12, 31)) for term in (1, 5, 10, 20)]
    batch = assert_batch_equals_scalar(loans, "equal_instalment", day_count)
    assert batch.due_dates.shape == (4, 20)
    assert np.isnat(batch.due_dates[0, 1:]).all()
    assert (batch.principal[1, 5:] == 0).all()


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_principals_near_the_batch_limit(rounding):
    # Level payments of 10^10 to 10^12 fen: the float estimate's error margin is then a sizeable
    # part of a fen, so many loans take the exact path; all must still equal the scalar path.
    loans = [
        loan(10**12 - step * 7_919, rate, term, date(2024, 1, 29) + timedelta(days=step))
        for step, (rate, term) in enumerate(
            [(r, t) for r in ("0.001", "0.00049999", "0.00000001", "0") for t in (1, 12, 37, 60)]
        )
    ]
    assert_batch_equals_scalar(loans, "equal_instalment", rounding=rounding)


def test_single_rate_and_term_stand_for_every_loan():
    batch = generate_schedules_batch(
        principals=np.array([1_000_000, 2_000_000]),
        daily_rates=Decimal("0.0005"),
        terms=12,
        method="equal_principal",
        start_dates=np.array(["2025-03-15", "2025-03-16"], dtype="datetime64[D]"),
    )
    assert batch.instalments(1) == generate_schedule(
        principal=2_000_000,
        daily_rate=Decimal("0.0005"),
        method="equal_principal",
        term_months=12,
        start_date=date(2025, 3, 16),
    )


def test_empty_batch():
    batch = generate_schedules_batch(
        principals=[], daily_rates=[], terms=[], method="equal_instalment", start_dates=[]
    )
    assert len(batch) == 0


BASE = {
    "principals": [100_000, 200_000],
    "daily_rates": [Decimal("0.0005"), Decimal("0.0004")],
    "terms": [12, 6],
    "method": "equal_instalment",
    "start_dates": [date(2025, 1, 31), date(2025, 2, 1)],
}


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"principals": [100_000, 0]}, "invalid_principal", "principals[1]"),
        ({"principals": [100_000.0, 5.0]}, "invalid_principal", "principals"),
        ({"principals": [10**13, 1]}, "invalid_principal", "principals[0]"),
        (
            {"daily_rates": [Decimal("0.0005"), Decimal("0.000123456789")]},
            "rate_too_precise",
            "daily_rates[1]",
        ),
        ({"daily_rates": [Decimal("0.0005"), 0.0004]}, "invalid_rate", "daily_rates[1]"),
        ({"daily_rates": [Decimal("0.0005")]}, "length_mismatch", "daily_rates"),
        ({"terms": [12, 61]}, "invalid_term", "terms[1]"),
        ({"terms": [12.0, 6.0]}, "invalid_term", "terms"),
        ({"start_dates": [date(2025, 1, 31)]}, "invalid_start_date", "start_dates"),
        (
            {"first_due_dates": [None, date(2025, 2, 1)]},
            "invalid_first_due_date",
            "first_due_dates[1]",
        ),
        ({"method": "balloon"}, "invalid_method", "method"),
        ({"rounding": "nearest"}, "invalid_rounding", "rounding"),
        ({"day_count": 366}, "invalid_day_count", "day_count"),
        (
            {
                "principals": [10**12, 1],
                "daily_rates": [Decimal("0.9"), Decimal(0)],
                "first_due_dates": [date(2029, 1, 1), None],
            },
            "batch_out_of_range",
            "principals",
        ),
    ],
)
def test_bad_batch_input_names_the_loan(overrides, code, field):
    with pytest.raises(ValidationFailed) as info:
        generate_schedules_batch(**(BASE | overrides))
    assert info.value.code == code
    assert field in info.value.fields


def test_bullet_over_twelve_months_is_refused_in_a_batch():
    with pytest.raises(BusinessRuleViolation) as info:
        generate_schedules_batch(**(BASE | {"method": "bullet", "terms": [12, 24]}))
    assert info.value.code == "bullet_term_too_long"
    assert "terms[1]" in info.value.fields


batch_loans = st.lists(
    st.builds(
        loan,
        principal=st.integers(1, 100_000_000),
        rate=st.decimals(min_value=0, max_value=Decimal("0.001"), places=8),
        term=st.integers(1, 36),
        start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    loans=batch_loans,
    method=st.sampled_from(list(RepaymentMethod)),
    day_count=st.sampled_from([360, 365]),
    rounding=st.sampled_from(ROUNDINGS),
    first_due_offsets=st.lists(st.none() | st.integers(1, 62), min_size=12, max_size=12),
)
def test_batch_equals_scalar(loans, method, day_count, rounding, first_due_offsets):
    for item, offset in zip(loans, first_due_offsets, strict=False):
        if method is RepaymentMethod.BULLET:
            item["term_months"] = min(item["term_months"], 12)
        if offset is not None:
            item["first_due_date"] = item["start_date"] + timedelta(days=offset)
    assert_batch_equals_scalar(loans, method, day_count, rounding)
