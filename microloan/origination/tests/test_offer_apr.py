"""The offer's APR is the product's: origination, the product's cap check and lending all
reach ``loanmath.apr.apr_for_schedule`` for the same reference loan."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from microloan.loanmath.apr import apr_for_schedule
from microloan.loanmath.schedules import generate_schedule
from microloan.origination.services.offers import term_options
from microloan.products.domain import (
    APR_REFERENCE_PRINCIPAL,
    APR_REFERENCE_START,
    apr_at_rate,
    default_weilidai_terms,
)


@pytest.mark.parametrize("rate", ["0.0002", "0.00035", "0.0005"])
@pytest.mark.parametrize("methods", [("equal_instalment",), ("bullet",), ("interest_first",)])
def test_offer_apr_is_the_products_apr_by_the_same_function(rate, methods):
    terms = dataclasses.replace(
        default_weilidai_terms(), allowed_methods=methods, allowed_terms=(5, 10, 12)
    )
    headline, rows = term_options(terms, Decimal(rate))
    assert headline == apr_at_rate(terms, Decimal(rate))
    for row in rows:
        schedule = generate_schedule(
            principal=APR_REFERENCE_PRINCIPAL,
            daily_rate=Decimal(rate),
            method=row["method"],
            term_months=row["term_months"],
            start_date=APR_REFERENCE_START,
        )
        expected = apr_for_schedule(
            APR_REFERENCE_PRINCIPAL, APR_REFERENCE_START, schedule, daily_rate=Decimal(rate)
        )
        assert Decimal(row["apr"]) == expected
        assert expected >= Decimal(rate) * 365  # never below the simple rate
