"""Annual percentage rate (APR) by the IRR method.

The IRR is the rate at which the borrower's repayments, discounted from the disbursement date,
equal the money actually received (principal minus fees taken up front); it counts all interest
and fees against the principal actually outstanding.

Two annual forms of it:
- ``annual_percentage_rate`` — what offers, screens and contracts show and what the 24 % cap is
  checked against: the IRR per month × 12 (PBoC 2021 No. 3 annualises the periodic IRR this way;
  a month is 365/12 days, so irregular dates work too). For 10,000.00 at 0.05 %/day repaid in 12
  monthly equal instalments it is 18.25 %, the same as the simple 0.05 % × 365 a borrower
  recognises.
- ``effective_annual_rate`` — the compounded form, (1 + monthly IRR)^12 − 1: 19.86 % for the same
  loan. For risk and pricing analysis.

Solving is float arithmetic on the rate (a display and compliance figure, not money): Newton
steps kept inside a bracket that always contains the root, falling back to bisection, until
the rate moves by less than 1e-10. Results are quantised half-up to 4 decimals (0.1825).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed

from .schedules import Instalment

DAYS_PER_YEAR = 365
TOLERANCE = 1e-10
_MAX_ITERATIONS = 500
_HIGHEST_LOG_GROWTH = math.log1p(1e9)  # APR beyond 10^9: not a loan, refuse rather than search
_FOUR_PLACES = Decimal("0.0001")


def annual_percentage_rate(
    *,
    principal: int,
    disbursement_date: date,
    cashflows: Sequence[tuple[date, int]],
    fees_upfront: int = 0,
) -> Decimal:
    """APR as a fraction (``Decimal("0.1825")`` = 18.25 %): monthly IRR × 12 of ``(date, fen)``."""
    effective = _effective_rate(principal, disbursement_date, cashflows, fees_upfront)
    return _four_places(12 * math.expm1(math.log1p(effective) / 12))


def effective_annual_rate(
    *,
    principal: int,
    disbursement_date: date,
    cashflows: Sequence[tuple[date, int]],
    fees_upfront: int = 0,
) -> Decimal:
    """Compounded annual IRR as a fraction (``Decimal("0.1986")`` = 19.86 %)."""
    return _four_places(_effective_rate(principal, disbursement_date, cashflows, fees_upfront))


def _effective_rate(
    principal: int, disbursement_date: date, cashflows: Sequence[tuple[date, int]], fees: int
) -> float:
    _validate(principal, disbursement_date, cashflows, fees)
    received = principal - fees
    # Scale amounts by what was received so the equation is of order 1 whatever the loan size.
    amounts = [amount / received for _, amount in cashflows]
    years = [(day - disbursement_date).days / DAYS_PER_YEAR for day, _ in cashflows]
    return _solve(amounts, years)


def _four_places(rate: float) -> Decimal:
    result = Decimal(repr(rate)).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
    return result.copy_abs() if result.is_zero() else result  # never show "-0.0000"


def apr_for_schedule(
    principal: int,
    start_date: date,
    instalments: Sequence[Instalment],
    *,
    fees_upfront: int = 0,
    effective: bool = False,
) -> Decimal:
    """APR of a schedule from ``generate_schedule``: each instalment total on its due date.

    ``effective=True`` gives the compounded annual rate instead of the disclosed APR.
    """
    solve = effective_annual_rate if effective else annual_percentage_rate
    return solve(
        principal=principal,
        disbursement_date=start_date,
        cashflows=[(row.due_date, row.total) for row in instalments],
        fees_upfront=fees_upfront,
    )


def _validate(principal: Any, disbursed: date, cashflows: Any, fees: Any) -> None:
    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not whole(principal) or principal <= 0:
        raise _invalid(
            "invalid_principal", "principal", _("Principal must be a positive number of fen.")
        )
    if not whole(fees) or not 0 <= fees < principal:
        raise _invalid(
            "invalid_fee", "fees_upfront", _("Fees must be at least 0 and below the principal.")
        )
    if not cashflows:
        raise _invalid("no_cashflows", "cashflows", _("At least one repayment is needed."))
    for index, (day, amount) in enumerate(cashflows):
        if not isinstance(day, date) or day <= disbursed:
            raise _invalid(
                "cashflow_before_disbursement",
                f"cashflows[{index}].date",
                _("Repayments must fall after the disbursement date."),
            )
        if not whole(amount) or amount < 0:
            raise _invalid(
                "invalid_amount",
                f"cashflows[{index}].amount",
                _("Amounts must be fen, not negative."),
            )
    if not any(amount for _, amount in cashflows):
        raise _invalid("no_cashflows", "cashflows", _("At least one repayment is needed."))


def _invalid(code: str, field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(code=code, fields={field: message})


def _solve(amounts: list[float], years: list[float]) -> float:
    """Rate whose discounted repayments equal 1 (amounts are scaled by what was received).

    Works on ``x = ln(1 + r)``, where ``Σ amount × e^(−x × years) − 1`` falls strictly and is
    convex, and rates near −100 % stay representable. Newton steps, bisection whenever a step
    would leave the bracket; done when the rate moves by less than 1e-10 (relative above 100 %).
    """

    def excess_and_slope(x: float) -> tuple[float, float]:
        excess, slope = -1.0, 0.0
        for amount, span in zip(amounts, years, strict=True):
            discounted = amount * math.exp(-x * span)
            excess += discounted
            slope -= span * discounted
        return excess, slope

    def settled(a: float, b: float) -> bool:
        return abs(math.expm1(a) - math.expm1(b)) < TOLERANCE * max(1.0, math.exp(max(a, b)))

    lowest = -700 / max(years)  # e^700 is near the float limit: the rate is −100 % there anyway
    low, high = -1.0, 1.0  # widened until the excess is positive at low and negative at high
    while excess_and_slope(high)[0] > 0:
        if high >= _HIGHEST_LOG_GROWTH:
            raise _invalid(
                "apr_out_of_range", "cashflows", _("The repayments imply no sensible rate.")
            )
        high = min(high * 2, _HIGHEST_LOG_GROWTH)
    while excess_and_slope(low)[0] < 0:
        if low <= lowest:
            return -1.0
        low = max(low * 2, lowest)
    x = min(max(math.log1p(0.1), low), high)
    for _iteration in range(_MAX_ITERATIONS):
        excess, slope = excess_and_slope(x)
        if excess == 0:
            break
        if excess > 0:
            low = x
        else:
            high = x
        candidate = x - excess / slope if slope else low
        if not low < candidate < high:
            candidate = (low + high) / 2  # Newton left the bracket: bisect instead
        done = settled(candidate, x) or settled(low, high)
        x = candidate
        if done:
            break
    return math.expm1(x)
