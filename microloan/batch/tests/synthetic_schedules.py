"""Schedules of many loans at once: the batch path of ``loanmath.schedules.generate_schedule``.

numpy int64 money and integer rates (parts per 10^8), so every value stays exact; the result
equals ``generate_schedule`` to the fen for every loan (hypothesis checks it). Only the
synthetic book (``synthetic.py``: tests and benchmarks) uses it, to build hundreds of thousands
of schedules in a second; it lives with the tests, out of the production packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from microloan.loanmath.schedules import (
    _EXACT,
    _MSG_FIRST_DUE,
    _MSG_PRINCIPAL,
    _MSG_TERM,
    MAX_BULLET_TERM_MONTHS,
    MAX_TERM_MONTHS,
    Instalment,
    RepaymentMethod,
    _check_options,
    _check_rate,
    _check_term,
    _invalid,
    level_payment,
)

_INT64_MAX = 2**63 - 1
RATE_SCALE = 10**8  # batch rates are integer parts per 10^8 (8 decimals, as stored)
MAX_BATCH_PRINCIPAL = 10**12  # fen; keeps every batch value exact in float64 and int64
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MSG_RATE_PRECISION = _("Batch rates may have at most 8 decimals.")
_MSG_ONE_EACH = _("Give one value per principal.")
_MSG_OUT_OF_RANGE = _("Amounts too large for the batch path; use generate_schedule.")


@dataclass(frozen=True, eq=False)  # arrays: compare fields with numpy, not ==
class ScheduleBatch:
    """Schedules of many loans as arrays: row = loan, column = instalment number − 1.

    Cells past a loan's ``counts`` hold NaT and 0. Money is int64 fen.
    """

    counts: np.ndarray  # int64 (loans,): instalments per loan (1 for a bullet loan)
    start_dates: np.ndarray  # datetime64[D] (loans, columns): interest period start
    due_dates: np.ndarray  # datetime64[D] (loans, columns)
    principal: np.ndarray  # int64 (loans, columns)
    interest: np.ndarray
    total: np.ndarray
    balance_after: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)

    def instalments(self, loan: int) -> list[Instalment]:
        """One loan's schedule as ``Instalment`` rows, as ``generate_schedule`` returns it."""
        count = int(self.counts[loan])
        arrays = (self.start_dates, self.due_dates, self.principal, self.interest, self.total)
        rows = zip(*(a[loan, :count].tolist() for a in (*arrays, self.balance_after)), strict=True)
        return [Instalment(number, *row) for number, row in enumerate(rows, start=1)]


def generate_schedules_batch(
    *,
    principals: Sequence[int] | np.ndarray,
    daily_rates: Decimal | Sequence[Decimal],
    terms: int | Sequence[int] | np.ndarray,
    method: RepaymentMethod | str,
    start_dates: Sequence[date] | np.ndarray,
    first_due_dates: Sequence[date | None] | np.ndarray | None = None,
    day_count: int = 360,
    rounding: str = "half_up",
) -> ScheduleBatch:
    """``generate_schedule`` for many loans, equal to it to the fen, without a loop per loan.

    One rate or term may stand for every loan. Rates may have at most 8 decimals (as stored)
    and principals at most 10^12 fen; a batch whose interest products would not fit int64 is
    refused. Errors name the loan, e.g. field ``principals[3]``.
    """
    method = _check_options(method=method, day_count=day_count, rounding=rounding)
    amounts = _batch_principals(principals)
    count = len(amounts)
    rates = _batch_rates(daily_rates, count)
    counts, months = _batch_terms(terms, count, method)
    starts, anchors, offsets = _batch_dates(start_dates, first_due_dates, count)
    columns = int(counts.max(initial=1))
    if method is RepaymentMethod.BULLET:
        months_after_anchor = (offsets + months - 1)[:, None]
    else:
        months_after_anchor = offsets[:, None] + np.arange(columns)[None, :]
    dues = _add_months_array(anchors[:, None], months_after_anchor)
    period_starts = np.concatenate([starts[:, None], dues[:, :-1]], axis=1)
    days = (dues - period_starts).astype(np.int64)
    active = np.arange(columns)[None, :] < counts[:, None]
    if count:
        largest = int(amounts.max()) * int(rates.max()) * int(days[active].max()) * 2 + RATE_SCALE
        if largest > _INT64_MAX:
            raise _invalid("batch_out_of_range", "principals", _MSG_OUT_OF_RANGE)

    level = None
    if method is RepaymentMethod.EQUAL_INSTALMENT:
        level = _batch_level_payments(amounts, rates, days, active, rounding)
    per_period = amounts // months
    balance = amounts.copy()
    principal_out = np.zeros(dues.shape, np.int64)
    interest_out = np.zeros(dues.shape, np.int64)
    balance_out = np.zeros(dues.shape, np.int64)
    for column in range(columns):
        # Past a loan's last instalment its balance is 0, so interest and principal are 0 too.
        interest = _round_units(balance * rates * days[:, column], rounding)
        if level is not None:
            part = np.clip(level - interest, 0, balance)
        elif method is RepaymentMethod.EQUAL_PRINCIPAL:
            part = np.minimum(per_period, balance)
        else:
            part = np.zeros_like(balance)
        part = np.where(counts - 1 == column, balance, part)
        balance = balance - part
        principal_out[:, column], interest_out[:, column] = part, interest
        balance_out[:, column] = balance
    dues[~active] = np.datetime64("NaT")
    period_starts[~active] = np.datetime64("NaT")
    return ScheduleBatch(
        counts=counts,
        start_dates=period_starts,
        due_dates=dues,
        principal=principal_out,
        interest=interest_out,
        total=principal_out + interest_out,
        balance_after=balance_out,
    )


def _batch_principals(principals: Any) -> np.ndarray:
    amounts = np.asarray(principals)
    if amounts.ndim != 1 or (amounts.size and amounts.dtype.kind not in "iu"):
        raise _invalid("invalid_principal", "principals", _MSG_PRINCIPAL)
    bad = np.flatnonzero((amounts <= 0) | (amounts > MAX_BATCH_PRINCIPAL))
    if bad.size:
        raise _invalid("invalid_principal", f"principals[{bad[0]}]", _MSG_PRINCIPAL)
    return amounts.astype(np.int64)


def _batch_rates(daily_rates: Any, count: int) -> np.ndarray:
    if isinstance(daily_rates, Decimal):
        return np.full(count, _rate_in_units(daily_rates, "daily_rates"), np.int64)
    if len(daily_rates) != count:
        raise _invalid("length_mismatch", "daily_rates", _MSG_ONE_EACH)
    units = np.empty(count, np.int64)
    seen: dict[Decimal, int] = {}  # few distinct rates in a portfolio: convert each once
    for index, rate in enumerate(daily_rates):
        value = seen.get(rate) if isinstance(rate, Decimal) and rate.is_finite() else None
        if value is None:
            value = seen[rate] = _rate_in_units(rate, f"daily_rates[{index}]")
        units[index] = value
    return units


def _rate_in_units(rate: Any, field: str) -> int:
    _check_rate(rate, field)
    scaled = _EXACT.scaleb(rate, Decimal(8))
    if scaled != scaled.to_integral_value():
        raise _invalid("rate_too_precise", field, _MSG_RATE_PRECISION)
    return int(scaled)


def _batch_terms(terms: Any, count: int, method: RepaymentMethod) -> tuple[np.ndarray, np.ndarray]:
    """(instalments per loan, term in months per loan)."""
    months = np.asarray(terms)
    if months.ndim == 0:
        months = np.full(count, months)
    if months.shape != (count,) or (count and months.dtype.kind not in "iu"):
        raise _invalid("invalid_term", "terms", _MSG_ONE_EACH)
    months = months.astype(np.int64)
    bad = np.flatnonzero((months < 1) | (months > MAX_TERM_MONTHS))
    if bad.size:
        raise _invalid("invalid_term", f"terms[{bad[0]}]", _MSG_TERM)
    if method is RepaymentMethod.BULLET:
        for index in np.flatnonzero(months > MAX_BULLET_TERM_MONTHS)[:1]:
            _check_term(int(months[index]), method, f"terms[{index}]")
        return np.ones(count, np.int64), months
    return months, months


def _batch_dates(
    start_dates: Any, first_due_dates: Any, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start dates, anchors of the due dates, months from anchor to the first due date)."""
    starts = _as_days(start_dates)
    if starts.shape != (count,) or np.isnat(starts).any():
        raise _invalid("invalid_start_date", "start_dates", _MSG_ONE_EACH)
    if first_due_dates is None:
        return starts, starts, np.ones(count, np.int64)
    firsts = _as_days(first_due_dates)
    if firsts.shape != (count,):
        raise _invalid("length_mismatch", "first_due_dates", _MSG_ONE_EACH)
    given = ~np.isnat(firsts)
    bad = np.flatnonzero(given & (firsts <= starts))
    if bad.size:
        raise _invalid("invalid_first_due_date", f"first_due_dates[{bad[0]}]", _MSG_FIRST_DUE)
    return starts, np.where(given, firsts, starts), np.where(given, 0, 1).astype(np.int64)


def _as_days(values: Any) -> np.ndarray:
    """Dates (``None`` → NaT) as datetime64[D]; plain ``date`` lists go through ordinals,
    an order of magnitude faster than numpy's per-object conversion."""
    if isinstance(values, np.ndarray) or not all(type(value) is date for value in values):
        return np.asarray(values, dtype="datetime64[D]")
    ordinals = np.fromiter((value.toordinal() for value in values), np.int64, len(values))
    return (ordinals - _UNIX_EPOCH_ORDINAL).astype("datetime64[D]")


def _add_months_array(anchors: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Vector ``add_months``: the anchor's day of month, or the target month's last day."""
    anchor_months = anchors.astype("datetime64[M]")
    day_index = (anchors - anchor_months.astype("datetime64[D]")).astype(np.int64)
    target = anchor_months + months
    first_day = target.astype("datetime64[D]")
    month_length = ((target + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    return first_day + np.minimum(day_index, month_length - 1)


def _round_units(numerator: np.ndarray, rounding: str) -> np.ndarray:
    """``numerator / RATE_SCALE`` (numerator ≥ 0, int64) rounded by a named mode, exactly."""
    quotient, remainder = np.divmod(numerator, RATE_SCALE)
    if rounding == "down":
        return quotient
    if rounding == "up":
        return quotient + (remainder > 0)
    twice = 2 * remainder
    tie = twice == RATE_SCALE
    if rounding == "half_even":
        tie &= quotient % 2 == 1
    return quotient + ((twice > RATE_SCALE) | tie)


def _batch_level_payments(
    amounts: np.ndarray, rates: np.ndarray, days: np.ndarray, active: np.ndarray, rounding: str
) -> np.ndarray:
    """``level_payment`` per loan over its actual periods: a float estimate of ``P / S`` with
    ``S = Σ_k Π_{j≤k} v_j``, ``v_j = 1/(1 + r·d_j)``, recomputed exactly where it could round
    differently from the exact value.

    ``S`` is built by Horner's rule from the last period, ``S_k = v_k·(1 + S_{k+1})``; a period
    past a loan's term has ``v = 0``, which zeroes the tail. With u = 2^-53: each ``v_j`` is
    within 4u (relative) of exact (rate quotient, product, sum, reciprocal; rates and days are
    exact in float64), each Horner step adds at most 2u more to an all-positive sum, so ``S``
    is within 6n·u for n ≤ 60 periods, and the quotient by the exact amount (≤ 10^12) within
    (6n + 1)·u < 2^-44. Any estimate within 2^-40 of a rounding boundary is recomputed exactly,
    so every payment equals the scalar path's.
    """
    discounts = active / (1.0 + (rates / RATE_SCALE)[:, None] * days)
    present_value_of_one = np.zeros(len(amounts))
    for column in range(days.shape[1] - 1, -1, -1):
        present_value_of_one += 1.0
        present_value_of_one *= discounts[:, column]
    estimate = amounts / present_value_of_one
    whole = np.floor(estimate)
    fraction = estimate - whole
    margin = estimate * 2.0**-40
    if rounding in ("half_up", "half_even"):
        payments = whole + (fraction > 0.5)
        unsure = np.abs(fraction - 0.5) <= margin
    else:
        payments = whole + (1 if rounding == "up" else 0)
        unsure = (fraction <= margin) | (fraction >= 1 - margin)
    payments = payments.astype(np.int64)
    for index in np.flatnonzero(unsure):
        period = days[index, active[index]].tolist()
        rate = Decimal(int(rates[index])).scaleb(-8)
        payments[index] = level_payment(int(amounts[index]), rate, period, rounding=rounding)
    return payments
