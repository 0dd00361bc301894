"""Wire form of product terms: round trip, parsing each kind of value, refusals by field."""

from decimal import Decimal

import pytest

from microloan.products.domain import default_weilidai_terms
from microloan.products.params import (
    ProductTermsInvalid,
    apply_params,
    check_product_terms,
    terms_to_params,
)

DEFAULTS = default_weilidai_terms()


def test_wire_form_of_the_defaults():
    params = terms_to_params(DEFAULTS)
    assert params["min_drawdown"] == "500.00"
    assert params["max_drawdown"] == "40000.00"
    assert params["max_line_limit"] == "200000.00"
    assert params["daily_rate_max"] == "0.0005"
    assert params["penalty_multiplier"] == "1.5"
    assert params["grade_rates"]["B"] == "0.00025"
    assert params["prepayment_fee_value"] == "0"
    assert params["allowed_terms"] == [5, 10, 20]


def test_round_trip():
    assert apply_params(DEFAULTS, terms_to_params(DEFAULTS)) == DEFAULTS


def test_changes_apply_over_the_base():
    terms = apply_params(
        DEFAULTS,
        {
            "min_drawdown": "1000.00",
            "daily_rate_max": "0.00045",
            "allowed_terms": [3, 6],
            "grade_rates": {"A": "0.0002", "B": Decimal("0.0003")},
            "grace_days": 2,
            "prepayment_fee_type": "flat",
            "prepayment_fee_value": "20.00",
        },
    )
    assert terms.min_drawdown == 100_000
    assert terms.daily_rate_max == Decimal("0.00045")
    assert terms.allowed_terms == (3, 6)
    assert terms.grade_rates == {"A": Decimal("0.0002"), "B": Decimal("0.0003")}
    assert terms.prepayment_fee_value == 2000  # fen
    assert terms_to_params(terms)["prepayment_fee_value"] == "20.00"
    assert terms.max_drawdown == DEFAULTS.max_drawdown  # untouched


def test_percent_fee_is_a_fraction_and_none_resets_the_value():
    percent = apply_params(
        DEFAULTS, {"prepayment_fee_type": "percent", "prepayment_fee_value": "0.01"}
    )
    assert percent.prepayment_fee_value == Decimal("0.01")
    assert apply_params(percent, {"prepayment_fee_type": "none"}).prepayment_fee_value == 0


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"min_drawdown": 500}, "min_drawdown", "invalid_amount"),
        ({"min_drawdown": "5.001"}, "min_drawdown", "invalid_amount"),
        ({"daily_rate_max": 0.0005}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "abc"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "NaN"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "０.０００５"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "٠.٠٠٠٥"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": " 0.0005"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "1e-4"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "-0.0005"}, "daily_rate_max", "invalid_number"),
        ({"daily_rate_max": "0.000500001"}, "daily_rate_max", "invalid_number"),
        ({"grace_days": "1"}, "grace_days", "invalid_integer"),
        ({"grace_days": True}, "grace_days", "invalid_integer"),
        ({"allowed_terms": "5,10"}, "allowed_terms", "invalid_list"),
        ({"allowed_terms": [5, "10"]}, "allowed_terms", "invalid_integer"),
        ({"allowed_terms": list(range(61))}, "allowed_terms", "invalid_list"),
        ({"grade_rates": ["A"]}, "grade_rates", "invalid_grade_rates"),
        ({"rounding": 1}, "rounding", "invalid_value"),
        ({"colour": "red"}, "colour", "unknown_field"),
        (
            {"prepayment_fee_type": "flat", "prepayment_fee_value": "0.001"},
            "prepayment_fee_value",
            "invalid_amount",
        ),
    ],
)
def test_unreadable_values_are_refused_by_field(params, field, code):
    with pytest.raises(ProductTermsInvalid) as refused:
        apply_params(DEFAULTS, params)
    assert refused.value.problems[field].code == code
    assert refused.value.code == code  # one problem: its own code
    assert field in refused.value.fields


def test_several_unreadable_values_are_refused_together():
    with pytest.raises(ProductTermsInvalid) as refused:
        apply_params(DEFAULTS, {"min_drawdown": 1, "grace_days": "x"})
    assert refused.value.code == "product_terms_invalid"
    assert set(refused.value.fields) == {"min_drawdown", "grace_days"}
    assert refused.value.status == 422


def test_check_product_terms_raises_with_every_problem():
    terms = apply_params(DEFAULTS, {"max_line_limit": "300000.00", "grace_days": 31})
    with pytest.raises(ProductTermsInvalid) as refused:
        check_product_terms(terms)
    assert refused.value.problems["max_line_limit"].code == "line_limit_above_cap"
    assert refused.value.problems["grace_days"].code == "grace_days_out_of_range"
    check_product_terms(DEFAULTS)  # no error
