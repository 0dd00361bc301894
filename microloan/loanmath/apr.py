"""Annual percentage rate (APR) by the IRR method.

The IRR counts all interest and fees against the principal actually outstanding: it is the rate
at which the borrower's repayments, discounted to the disbursement date, equal the money
actually received (principal minus fees taken up front).

The disclosed APR (``annual_percentage_rate``, ``apr_for_schedule``) is a nominal rate: the IRR
per period × periods per year, where the periods are the loan's own, from one cash-flow date to
the next. A period of ``d`` days has the rate ``ρ × d`` (``ρ`` a daily rate, solved for) and the
APR is ``ρ × 365``. With equal periods this is exactly "IRR per period × periods per year"
(PBoC 2021 No. 3); with actual month lengths (28–31 days) each month still counts by its days;
for a bullet loan the one period is the whole term, so the APR is its simple annual rate.
A loan that charges ``daily rate × actual days`` on the principal outstanding in every period
therefore has the APR ``daily rate × 365`` — 18.25 % at 0.05 %/day, by every repayment method
and term — and fees taken up front raise it. ``apr_for_schedule`` never discloses less than the
simple annual rate of the schedule's own cash flows (interest and fees over principal-days ×
365): fen rounding of interest can tilt the IRR below it by a millionth, and the disclosure
rounds the higher of the two half-up to 4 decimals (0.1825 = 18.25 %); given the contract's
daily rate it is never below daily rate × 365 rounded up (fen rounding can shave the cash
flows' own rate just under it). docs/servicing.md states the convention with worked examples.

``effective_annual_rate`` is the compounded form (1 + IRR)^(1 year) − 1 on a 365-day year:
19.86 % for a 12-month equal-instalment loan at 0.05 %/day. For risk and pricing analysis.

Solving is float arithmetic on the rate (a display and compliance figure, not money): Newton
steps kept inside a bracket that always contains the root, falling back to bisection, until
the rate moves by less than 1e-10. Results are quantised half-up to 4 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed

from .schedules import Instalment

DAYS_PER_YEAR = 365
TOLERANCE = 1e-10
_MAX_ITERATIONS = 500
_HIGHEST_LOG_GROWTH = math.log1p(1e9)  # APR beyond 10^9: not a loan, refuse rather than search
_HIGHEST_NOMINAL = 1e9
_FOUR_PLACES = Decimal("0.0001")


def annual_percentage_rate(
    *,
    principal: int,
    disbursement_date: date,
    cashflows: Sequence[tuple[date, int]],
    fees_upfront: int = 0,
) -> Decimal:
    """Disclosed APR as a fraction (``Decimal("0.1825")`` = 18.25 %) of ``(date, fen)``
    repayments: the IRR per period of the loan's own cash-flow dates × periods per year."""
    return _four_places(_nominal_rate(principal, disbursement_date, cashflows, fees_upfront))


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


def _nominal_rate(
    principal: int, disbursement_date: date, cashflows: Sequence[tuple[date, int]], fees: int
) -> float:
    _validate(principal, disbursement_date, cashflows, fees)
    received = principal - fees
    by_date: dict[date, int] = {}
    for day, amount in cashflows:
        by_date[day] = by_date.get(day, 0) + amount
    dates = sorted(by_date)
    days = [(later - earlier).days for earlier, later in pairwise([disbursement_date, *dates])]
    amounts = [by_date[day] / received for day in dates]
    return DAYS_PER_YEAR * _solve_daily(amounts, days)


def simple_annual_rate(instalments: Sequence[Instalment], *, fees_upfront: int = 0) -> Decimal:
    """Interest and fees over the principal-days actually outstanding, × 365 (exact).

    The simple annual rate of a schedule's own cash flows: ``daily rate × 365`` when every
    period charges ``daily rate × days`` on its principal, a little off it by fen rounding.
    """
    principal_days = sum(
        (row.principal + row.balance_after) * (row.due_date - row.start_date).days
        for row in instalments
    )
    if principal_days <= 0:
        raise _invalid("no_cashflows", "cashflows", _("At least one repayment is needed."))
    charges = sum(row.interest for row in instalments) + fees_upfront
    return Decimal(charges * DAYS_PER_YEAR) / Decimal(principal_days)


def _four_places(rate: float | Decimal) -> Decimal:
    exact = rate if isinstance(rate, Decimal) else Decimal(repr(rate))
    result = exact.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
    return result.copy_abs() if result.is_zero() else result  # never show "-0.0000"


def apr_for_schedule(
    principal: int,
    start_date: date,
    instalments: Sequence[Instalment],
    *,
    fees_upfront: int = 0,
    effective: bool = False,
    daily_rate: Decimal | None = None,
) -> Decimal:
    """Disclosed APR of a schedule from ``generate_schedule``: each instalment total on its due
    date, never below the schedule's simple annual rate, nor below the contract's ``daily_rate``
    × 365 rounded up to 0.01 % when it is given (see the module docstring). Offers, contracts,
    lending replies and the product's 24 % cap all use this function.

    ``effective=True`` gives the compounded annual rate instead of the disclosed APR.
    """
    cashflows = [(row.due_date, row.total) for row in instalments]
    if effective:
        return effective_annual_rate(
            principal=principal,
            disbursement_date=start_date,
            cashflows=cashflows,
            fees_upfront=fees_upfront,
        )
    nominal = _nominal_rate(principal, start_date, cashflows, fees_upfront)
    simple = simple_annual_rate(instalments, fees_upfront=fees_upfront)
    disclosed = _four_places(max(Decimal(repr(nominal)), simple))
    if daily_rate is None:
        return disclosed
    # Fen rounding of interest may shave the cash flows a little below the contract rate; the
    # disclosure never shows less than the rate the contract states (12.775 % → 12.78 %).
    return max(disclosed, (daily_rate * DAYS_PER_YEAR).quantize(_FOUR_PLACES, ROUND_CEILING))


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


def _solve_daily(amounts: list[float], days: list[int]) -> float:
    """Daily rate ``ρ`` with ``Σ_k amount_k × Π_{j≤k} 1/(1 + ρ × days_j) = 1``.

    The sum falls strictly as ``ρ`` rises above ``−1/max(days)`` (where some period would
    lose everything). Newton steps inside a bracket that always holds the root, bisection
    whenever a step would leave it; done when ``ρ × 365`` moves by less than 1e-10 (relative
    above 100 %). Logs keep the discount factors representable near the lower end.
    """

    def excess_and_slope(rate: float) -> tuple[float, float]:
        excess, slope, log_growth, duration = -1.0, 0.0, 0.0, 0.0
        for amount, span in zip(amounts, days, strict=True):
            log_growth += math.log1p(rate * span)
            duration += span / (1 + rate * span)
            discounted = amount * math.exp(min(-log_growth, 700.0))  # e^700: near float's limit
            excess += discounted
            slope -= duration * discounted
        return excess, slope

    def settled(a: float, b: float) -> bool:
        return abs(a - b) * DAYS_PER_YEAR < TOLERANCE * max(1.0, abs(a) * DAYS_PER_YEAR)

    lowest, highest = -1 / max(days), _HIGHEST_NOMINAL / DAYS_PER_YEAR
    low, high = 0.0, 0.001
    while excess_and_slope(high)[0] > 0:
        if high >= highest:
            raise _invalid(
                "apr_out_of_range", "cashflows", _("The repayments imply no sensible rate.")
            )
        high = min(high * 2, highest)
    if excess_and_slope(low)[0] < 0:
        high, low = low, lowest * (1 - 1e-12)
        if excess_and_slope(low)[0] < 0:
            return lowest  # a period loses everything: −100 % over it
    rate = (low + high) / 2
    for _iteration in range(_MAX_ITERATIONS):
        excess, slope = excess_and_slope(rate)
        if excess == 0:
            break
        if excess > 0:
            low = rate
        else:
            high = rate
        candidate = rate - excess / slope if slope else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2  # Newton left the bracket: bisect instead
        done = settled(candidate, rate) or settled(low, high)
        rate = candidate
        if done:
            break
    return rate
