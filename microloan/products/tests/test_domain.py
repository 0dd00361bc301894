"""Product terms: the Weilidai defaults, every rule with its code and field, APR, drawdowns."""

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import BusinessRuleViolation
from microloan.kernel.regulation import APR_CAP, CREDIT_CAP_PER_BORROWER_FEN
from microloan.products.domain import (
    ProductTerms,
    apr_at_rate,
    check_drawdown,
    default_weilidai_terms,
    prepayment_fee,
    rate_for_grade,
    validate_product_terms,
    worst_case_apr,
)

D = Decimal
DEFAULTS = default_weilidai_terms()


def _with(**changes) -> ProductTerms:
    return dataclasses.replace(DEFAULTS, **changes)


def test_weilidai_defaults_follow_the_design():
    t = DEFAULTS
    assert (t.min_drawdown, t.max_drawdown) == (50_000, 4_000_000)
    assert t.allowed_terms == (5, 10, 20)
    assert (t.daily_rate_min, t.daily_rate_max) == (D("0.0002"), D("0.0005"))
    assert set(t.allowed_methods) == {
        "equal_instalment",
        "equal_principal",
        "interest_first",
        "bullet",
    }
    assert (t.prepayment_fee_type, t.prepayment_fee_value) == ("none", 0)
    assert (t.day_count, t.penalty_multiplier, t.grace_days) == (360, D("1.5"), 1)
    assert t.allocation_order == (
        "penalty",
        "overdue_interest",
        "overdue_principal",
        "current_interest",
        "current_principal",
    )
    assert t.line_validity_months == 12
    assert t.max_line_limit == CREDIT_CAP_PER_BORROWER_FEN == 20_000_000
    assert t.currency == "CNY"
    assert validate_product_terms(t) == {}


def test_worst_case_apr_is_the_irr_apr_at_the_highest_rate():
    # 0.05 % a day paid monthly: monthly IRR × 12 = 0.05 % × 365 = 18.25 %.
    assert worst_case_apr(DEFAULTS) == D("0.1825")
    assert apr_at_rate(DEFAULTS, D("0.0002")) == D("0.0730")
    # A 12-month bullet loan is one period of a year: its APR is its simple rate, 18.25 %, not
    # the 16.88 % a monthly IRR × 12 made of it (the cap is checked with the disclosed APR).
    bullet = _with(allowed_methods=("bullet",), allowed_terms=(12,))
    assert worst_case_apr(bullet) == worst_case_apr(DEFAULTS) == D("0.1825")
    assert worst_case_apr(_with(allowed_methods=("bullet",), daily_rate_max=D("0.000658"))) > D(
        "0.24"
    )
    assert worst_case_apr(_with(allowed_methods=("bullet", "equal_instalment"))) == D("0.1825")


def test_the_grid_counts_when_it_is_above_the_maximum_rate():
    terms = _with(grade_rates={"A": D("0.0002"), "E": D("0.0007")})
    assert terms.highest_daily_rate == D("0.0007")
    problems = validate_product_terms(terms)
    assert problems["grade_rates.E"].code == "grade_rate_out_of_range"
    assert problems["daily_rate_max"].code == "apr_above_cap"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"daily_rate_max": D("0.0007"), "grade_rates": {}}, "daily_rate_max", "apr_above_cap"),
        (
            {"max_line_limit": CREDIT_CAP_PER_BORROWER_FEN + 1},
            "max_line_limit",
            "line_limit_above_cap",
        ),
        ({"max_line_limit": 0}, "max_line_limit", "invalid_amount"),
        ({"line_validity_months": 13}, "line_validity_months", "line_validity_above_cap"),
        ({"line_validity_months": 0}, "line_validity_months", "invalid_line_validity"),
        ({"min_drawdown": 5_000_000}, "min_drawdown", "drawdown_range_inverted"),
        ({"min_drawdown": 0}, "min_drawdown", "invalid_amount"),
        ({"max_drawdown": 1.5}, "max_drawdown", "invalid_amount"),
        ({"max_line_limit": 3_000_000}, "max_drawdown", "drawdown_above_line_limit"),
        ({"daily_rate_min": D("0.0006")}, "daily_rate_min", "rate_range_inverted"),
        ({"daily_rate_min": D("-0.0001")}, "daily_rate_min", "invalid_rate"),
        ({"daily_rate_max": D("1")}, "daily_rate_max", "invalid_rate"),
        ({"daily_rate_max": 0.0005}, "daily_rate_max", "invalid_rate"),
        ({"daily_rate_max": D("0.000500001")}, "daily_rate_max", "invalid_rate"),
        ({"grade_rates": {"A": D("0.0001")}}, "grade_rates.A", "grade_rate_out_of_range"),
        ({"grade_rates": {"a": D("0.0003")}}, "grade_rates.a", "invalid_grade"),
        ({"grade_rates": {"A": "0.0003"}}, "grade_rates.A", "invalid_rate"),
        ({"grade_rates": [("A", D("0.0003"))]}, "grade_rates", "invalid_grade_rates"),
        ({"allowed_terms": ()}, "allowed_terms", "terms_required"),
        ({"allowed_terms": (0, 5)}, "allowed_terms", "term_out_of_range"),
        ({"allowed_terms": (5, 61)}, "allowed_terms", "term_out_of_range"),
        ({"allowed_terms": (5, 5)}, "allowed_terms", "duplicate_values"),
        ({"allowed_terms": (20, 24)}, "allowed_methods", "bullet_needs_short_term"),
        ({"allowed_methods": ()}, "allowed_methods", "methods_required"),
        ({"allowed_methods": ("balloon",)}, "allowed_methods", "method_unknown"),
        ({"allowed_methods": ("bullet", "bullet")}, "allowed_methods", "duplicate_values"),
        ({"day_count": 366}, "day_count", "invalid_day_count"),
        (
            {"penalty_multiplier": D("0.99")},
            "penalty_multiplier",
            "penalty_multiplier_out_of_range",
        ),
        (
            {"penalty_multiplier": D("2.01")},
            "penalty_multiplier",
            "penalty_multiplier_out_of_range",
        ),
        (
            {"penalty_multiplier": D("1.23456")},
            "penalty_multiplier",
            "penalty_multiplier_out_of_range",
        ),
        ({"grace_days": -1}, "grace_days", "grace_days_out_of_range"),
        ({"grace_days": 31}, "grace_days", "grace_days_out_of_range"),
        ({"allocation_order": ("penalty",)}, "allocation_order", "invalid_allocation_order"),
        (
            {"allocation_order": (1, *DEFAULTS.allocation_order[1:])},
            "allocation_order",
            "invalid_allocation_order",
        ),
        (
            {"allocation_order": (*DEFAULTS.allocation_order[:4], "penalty")},
            "allocation_order",
            "invalid_allocation_order",
        ),
        ({"currency": "USD"}, "currency", "currency_not_supported"),
        ({"rounding": "bankers"}, "rounding", "invalid_rounding"),
        ({"prepayment_mode": "skip"}, "prepayment_mode", "invalid_prepayment_mode"),
        ({"prepayment_fee_type": "gift"}, "prepayment_fee_type", "invalid_prepayment_fee_type"),
        ({"prepayment_fee_value": D(5)}, "prepayment_fee_value", "invalid_prepayment_fee"),
        (
            {"prepayment_fee_type": "flat", "prepayment_fee_value": D("0.5")},
            "prepayment_fee_value",
            "invalid_prepayment_fee",
        ),
        (
            {"prepayment_fee_type": "percent", "prepayment_fee_value": D("1")},
            "prepayment_fee_value",
            "invalid_prepayment_fee",
        ),
        (
            {"prepayment_fee_type": "flat", "prepayment_fee_value": D(-1)},
            "prepayment_fee_value",
            "invalid_prepayment_fee",
        ),
    ],
)
def test_each_rule_names_its_field_and_code(changes, field, code):
    problems = validate_product_terms(_with(**changes))
    assert field in problems, problems
    assert problems[field].code == code
    assert str(problems[field])  # a message for people


@pytest.mark.parametrize(
    "changes",
    [
        {"daily_rate_max": D("0.00065"), "grade_rates": {}},  # APR 23.73 %: just under the cap
        {"allowed_methods": ("bullet",), "allowed_terms": (12,)},
        {"allowed_terms": (12, 24, 36)},  # bullet allowed, for 12 months only
        {"allowed_methods": ("equal_instalment",), "allowed_terms": (36, 60)},
        {"penalty_multiplier": D("1"), "grace_days": 0},
        {"penalty_multiplier": D("2"), "grace_days": 30},
        {"prepayment_fee_type": "flat", "prepayment_fee_value": D(2000)},
        {"prepayment_fee_type": "percent", "prepayment_fee_value": D("0.01")},
        {"day_count": 365, "rounding": "half_even", "prepayment_mode": "shorten_term"},
        {"grade_rates": {}},
        {"min_drawdown": 4_000_000},
        {"max_line_limit": CREDIT_CAP_PER_BORROWER_FEN},
    ],
)
def test_acceptable_variants(changes):
    assert validate_product_terms(_with(**changes)) == {}


def test_every_problem_is_reported_at_once():
    terms = _with(
        max_line_limit=CREDIT_CAP_PER_BORROWER_FEN * 2,
        line_validity_months=24,
        grace_days=99,
        allocation_order=("penalty",),
        daily_rate_max=D("0.0009"),
    )
    problems = validate_product_terms(terms)
    assert {name: p.code for name, p in problems.items()} == {
        "max_line_limit": "line_limit_above_cap",
        "line_validity_months": "line_validity_above_cap",
        "grace_days": "grace_days_out_of_range",
        "allocation_order": "invalid_allocation_order",
        "daily_rate_max": "apr_above_cap",
    }


def test_apr_cap_boundary():
    assert worst_case_apr(_with(daily_rate_max=D("0.000657"), grade_rates={})) <= APR_CAP
    assert worst_case_apr(_with(daily_rate_max=D("0.000658"), grade_rates={})) > APR_CAP


@pytest.mark.parametrize(
    ("grade", "rate"),
    [("A", D("0.0002")), ("B", D("0.00025")), ("C", D("0.0003")), ("E", D("0.0005"))],
)
def test_rate_for_grade_reads_the_grid(grade, rate):
    assert rate_for_grade(DEFAULTS, grade) == rate


def test_rate_for_grade_without_a_grid_is_the_maximum_rate():
    assert rate_for_grade(_with(grade_rates={}), "C") == D("0.0005")


@pytest.mark.parametrize("grade", ["F", "", None])
def test_a_grade_missing_from_the_grid_is_refused(grade):
    with pytest.raises(BusinessRuleViolation) as refused:
        rate_for_grade(DEFAULTS, grade)
    assert refused.value.code == "grade_not_priced"
    assert "grade" in refused.value.fields


GOOD_DRAWDOWN = {
    "amount": 100_000,
    "term_months": 10,
    "method": "equal_instalment",
    "daily_rate": D("0.0003"),
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"amount": 50_000},
        {"amount": 4_000_000},
        {"term_months": 5, "method": "bullet"},
        {"term_months": 20, "method": "interest_first"},
        {"daily_rate": D("0.0002")},
        {"daily_rate": D("0.0005")},
    ],
)
def test_drawdowns_within_the_product_pass(changes):
    assert check_drawdown(DEFAULTS, **{**GOOD_DRAWDOWN, **changes}) is None


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": 49_999}, "amount_below_minimum", "amount"),
        ({"amount": 4_000_001}, "amount_above_maximum", "amount"),
        ({"term_months": 12}, "term_not_allowed", "term_months"),
        ({"term_months": 20, "method": "bullet"}, "bullet_term_too_long", "term_months"),
        ({"method": "balloon"}, "method_not_allowed", "method"),
        ({"daily_rate": D("0.00019999")}, "rate_out_of_range", "daily_rate"),
        ({"daily_rate": D("0.00050001")}, "rate_out_of_range", "daily_rate"),
    ],
)
def test_drawdowns_outside_the_product_are_refused(changes, code, field):
    with pytest.raises(BusinessRuleViolation) as refused:
        check_drawdown(DEFAULTS, **{**GOOD_DRAWDOWN, **changes})
    assert refused.value.code == code
    assert set(refused.value.fields) == {field}


def test_a_drawdown_refusal_names_every_wrong_field():
    terms = _with(allowed_methods=("equal_instalment",))
    with pytest.raises(BusinessRuleViolation) as refused:
        check_drawdown(terms, amount=1, term_months=7, method="bullet", daily_rate=D("0.001"))
    assert refused.value.code == "amount_below_minimum"
    assert set(refused.value.fields) == {"amount", "term_months", "method", "daily_rate"}


@pytest.mark.parametrize(
    ("fee_type", "value", "prepaid", "fee"),
    [
        ("none", D(0), 1_000_000, 0),
        ("flat", D(2000), 1_000_000, 2000),
        ("flat", D(2000), 0, 0),
        ("percent", D("0.01"), 1_000_000, 10_000),
        ("percent", D("0.005"), 333, 2),  # 1.665 fen, half-up
    ],
)
def test_prepayment_fee(fee_type, value, prepaid, fee):
    terms = _with(prepayment_fee_type=fee_type, prepayment_fee_value=value)
    assert prepayment_fee(terms, prepaid) == fee


_rates = st.one_of(
    st.decimals(min_value=0, max_value=D("0.001"), places=6),
    st.sampled_from([D(-1), D(1), D("NaN"), 0.0005, "0.0005", None]),
)
_anything = st.sampled_from([None, -1, 0, 1.5, "x", (), [], {}, True])


@settings(max_examples=150, deadline=None)
@given(
    methods=st.one_of(st.lists(st.sampled_from([*DEFAULTS.allowed_methods, "x"])), _anything),
    terms=st.one_of(st.lists(st.integers(-1, 70), max_size=5), _anything),
    rate_min=_rates,
    rate_max=_rates,
    grid=st.one_of(st.dictionaries(st.sampled_from(["A", "B", "z"]), _rates), _anything),
    grace=st.one_of(st.integers(-5, 40), _anything),
    limit=st.one_of(st.integers(-1, 3 * CREDIT_CAP_PER_BORROWER_FEN), _anything),
    order=st.one_of(st.permutations(DEFAULTS.allocation_order), _anything),
)
def test_validation_never_crashes_and_passing_terms_respect_the_apr_cap(
    methods, terms, rate_min, rate_max, grid, grace, limit, order
):
    candidate = _with(
        allowed_methods=methods,
        allowed_terms=terms,
        daily_rate_min=rate_min,
        daily_rate_max=rate_max,
        grade_rates=grid,
        grace_days=grace,
        max_line_limit=limit,
        allocation_order=order,
    )
    problems = validate_product_terms(candidate)
    assert all(isinstance(problem.code, str) for problem in problems.values())
    if not problems:
        assert worst_case_apr(candidate) <= APR_CAP
        assert candidate.max_line_limit <= CREDIT_CAP_PER_BORROWER_FEN
