"""Repayment schedules: due dates, interest per period, principal per instalment.

Pure rules (no ORM, no clock). Money is int fen. Interest for a period is
``outstanding principal × daily rate × actual days``, computed exactly and rounded once to the
fen by the product's rounding mode.

Equal instalment (等额本息): the level payment ``A`` is the exact amount that repays the
principal when each period k charges interest on its actual days d_k, i.e. with period factors
``f_k = 1 + daily_rate × d_k``, ``A = P / Σ_k Π_{j≤k} 1/f_j``; it is computed exactly (integers)
and rounded to the fen by the same mode. Each instalment is ``A``: its interest as above, its
principal ``A − interest``; the last one takes whatever principal remains, so principal always
sums to the amount lent and the last total differs from ``A`` only by the accumulated rounding:
``|last total − A| ≤ Σ_k Π_{j>k} f_j`` fen, i.e. at most a fen per period carried forward with
interest (13 fen for 12 months at 0.05 %/day). Most of it is the level payment's own rounding
(under a fen) repeated in every period; interest roundings largely cancel.

The day count (360/365) enters no schedule: the daily rate is given directly and interest
always runs on actual days. ``generate_schedule`` and ``reamortise`` still accept and check it
so existing callers keep working; it matters only where an annual rate becomes a daily one
(``kernel.rounding``), and in the count form of ``level_payment``.

Due dates fall monthly on the anchor's day of month (the start date's, or the given first due
date's); a month without that day (29th–31st) uses its last day, and the next month goes back
to the anchor day: dates are always computed from the anchor, never from the previous due date.

The synthetic test and benchmark book computes the same schedules for many loans at once with
numpy (``microloan.batch.tests.synthetic_schedules``); it equals ``generate_schedule`` to the fen.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import BusinessRuleViolation, ValidationFailed
from microloan.kernel.rounding import ROUNDING_MODES, round_fen

MAX_TERM_MONTHS = 60
MAX_BULLET_TERM_MONTHS = 12  # regulatory: a lump-sum loan runs at most one year
DAY_COUNTS = (360, 365)

_MSG_PRINCIPAL = _("Principal must be a positive whole number of fen (at most 10^12 in a batch).")
_MSG_RATE = _("Daily rate must be a Decimal, at least 0 and below 1.")
_MSG_TERM = _("Term must be a whole number of months, 1 to 60.")
_MSG_BULLET = _("A lump-sum (bullet) loan may run at most 12 months.")
_MSG_FIRST_DUE = _("First due date must be after the start date.")
_MSG_DUE_DATES = _("Due dates must be after the period start and increasing.")
_MSG_SHORTEN = _("Only equal-instalment and equal-principal loans can shorten their term.")
_MSG_AMOUNT = _("Shortening the term needs the current instalment amount in fen.")
_MSG_AS_OF = _("The date is outside the loan's schedule.")

# Big enough that multiplying Decimals never rounds: interest is exact before round_fen.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RepaymentMethod(StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_FIRST = "interest_first"  # 先息后本
    BULLET = "bullet"  # 到期还本付息


class ReamortisationMode(StrEnum):
    SHORTEN_TERM = "shorten_term"  # keep the instalment amount, fewer instalments
    LOWER_INSTALMENT = "lower_instalment"  # keep the number of instalments, lower amount


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based
    start_date: date  # interest runs from here (exclusive) …
    due_date: date  # … to here (inclusive)
    principal: int  # fen
    interest: int  # fen
    total: int  # principal + interest
    balance_after: int  # principal outstanding once this instalment is paid


@dataclass(frozen=True, slots=True)
class AccruedInterest:
    """Interest accrued in the current period of a schedule up to a date (payoff quotes)."""

    instalment_number: int
    period_start: date
    days: int
    principal: int  # outstanding during the period, assuming earlier instalments were paid
    interest: int


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, on the anchor's day or the month's last day."""
    year, month_index = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    month_length = 29 if month_index == 1 and calendar.isleap(year) else _MONTH_DAYS[month_index]
    return date(year, month_index + 1, min(anchor.day, month_length))


def monthly_due_dates(
    start_date: date, term_months: int, first_due_date: date | None = None
) -> list[date]:
    """Monthly due dates: start + 1, 2, … months, or first_due_date + 0, 1, … months."""
    anchor, offset = (start_date, 1) if first_due_date is None else (first_due_date, 0)
    return [add_months(anchor, offset + k) for k in range(term_months)]


def interest_for_days(
    principal: int, daily_rate: Decimal, days: int, rounding: str = "half_up"
) -> int:
    """``principal × daily_rate × days`` in fen, computed exactly and rounded once."""
    if principal < 0 or days < 0:
        raise ValueError("principal and days must not be negative")
    return round_fen(_EXACT.multiply(Decimal(principal * days), daily_rate), rounding)


def period_days(period_start: date, due_dates: Sequence[date]) -> list[int]:
    """Actual days of each period: ``period_start`` to the first due date, then due to due."""
    return [(due - start).days for start, due in pairwise([period_start, *due_dates])]


def level_payment(
    principal: int,
    daily_rate: Decimal,
    periods: Sequence[int] | int,
    day_count: int = 360,
    rounding: str = "half_up",
) -> int:
    """Equal-instalment payment, rounded to the fen: the exact ``A`` that repays ``principal``
    with each period's interest on its actual days (``A = P / Σ_k Π_{j≤k} 1/(1 + rate × d_j)``).

    ``periods`` is the days of each period, as the schedule charges them (``period_days``); this
    is what ``generate_schedule`` and ``reamortise`` use. A bare count ``n`` (the older call)
    stands for ``n`` equal periods of ``day_count / 12`` days, the textbook annuity at the
    nominal monthly rate: an estimate without dates, and the only place ``day_count`` matters.
    """
    if isinstance(periods, int):
        numerator, denominator = _level_factor(daily_rate, (day_count,) * periods, 12)
    else:
        numerator, denominator = _level_factor(daily_rate, tuple(periods))
    return _round_ratio(principal * numerator, denominator, rounding)


@lru_cache(maxsize=8192)
def _level_factor(
    daily_rate: Decimal, days: tuple[int, ...], days_scale: int = 1
) -> tuple[int, int]:
    """Integers ``(N, U)`` with the exact level payment ``= principal × N / U``.

    Periods last ``days[k] / days_scale`` days. With ``rate = a / b`` and ``g_k = b·s + a·days[k]``
    (``s = days_scale``, so period factor ``f_k = g_k / (b·s)``), multiplying ``P / Σ_k Π_{j≤k}
    1/f_j`` through by ``Π g_j`` gives ``N = Π g_j`` and ``U = Σ_k (b·s)^k Π_{j>k} g_j``, which
    Horner's rule builds as ``U_k = U_{k−1}·g_k + (b·s)^k``. At a zero rate, ``U / N = n``.
    """
    a, b = daily_rate.as_integer_ratio()
    base = b * days_scale
    product, total, power = 1, 0, 1
    for days_in_period in days:
        growth = base + a * days_in_period
        power *= base
        product *= growth
        total = total * growth + power
    return product, total


def _round_ratio(numerator: int, denominator: int, rounding: str) -> int:
    """``numerator / denominator`` (both ≥ 0) rounded to an int by a named mode, exactly."""
    quotient, remainder = divmod(numerator, denominator)
    if remainder == 0 or rounding == "down":
        return quotient
    if rounding == "up":
        return quotient + 1
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and (rounding == "half_up" or quotient % 2)):
        return quotient + 1
    return quotient


def _amortise(
    *,
    principal: int,
    daily_rate: Decimal,
    method: RepaymentMethod,
    period_start: date,
    dates: Sequence[date],
    first_number: int,
    rounding: str,
    amount: int = 0,
    stop_when_repaid: bool = False,
) -> list[Instalment]:
    """Instalments on ``dates``; the last date takes all remaining principal.

    ``amount`` is the level payment (equal instalment) or the principal part (equal
    principal). A principal part is clamped to [0, outstanding]: when interest exceeds the
    level payment (a long first period) the shortfall stays outstanding until the last date.
    """
    # Integer rate ratio: the same exact rounding as interest_for_days, without Decimal per row.
    rate_numerator, rate_denominator = daily_rate.as_integer_ratio()
    rows: list[Instalment] = []
    balance = principal
    last_index = len(dates) - 1
    for index, due in enumerate(dates):
        exact_interest = balance * (due - period_start).days * rate_numerator
        interest = _round_ratio(exact_interest, rate_denominator, rounding)
        if index == last_index:
            part = balance
        elif method is RepaymentMethod.EQUAL_INSTALMENT:
            part = min(max(amount - interest, 0), balance)
        elif method is RepaymentMethod.EQUAL_PRINCIPAL:
            part = min(amount, balance)
        else:
            part = 0
        balance -= part
        rows.append(
            Instalment(
                first_number + index, period_start, due, part, interest, part + interest, balance
            )
        )
        period_start = due
        if stop_when_repaid and balance == 0:
            break
    return rows


def _invalid(code: str, field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(code=code, fields={field: message})


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_common(
    principal: Any, daily_rate: Any, method: Any, day_count: Any, rounding: Any
) -> RepaymentMethod:
    if not _is_whole(principal) or principal <= 0:
        raise _invalid("invalid_principal", "principal", _MSG_PRINCIPAL)
    _check_rate(daily_rate, "daily_rate")
    return _check_options(method=method, day_count=day_count, rounding=rounding)


def _check_options(*, method: Any, day_count: Any, rounding: Any) -> RepaymentMethod:
    if day_count not in DAY_COUNTS:
        raise _invalid("invalid_day_count", "day_count", _("Day count must be 360 or 365."))
    if rounding not in ROUNDING_MODES:
        raise _invalid("invalid_rounding", "rounding", _("Unknown rounding mode."))
    try:
        return RepaymentMethod(method)
    except ValueError:
        raise _invalid("invalid_method", "method", _("Unknown repayment method.")) from None


def _check_rate(rate: Any, field: str) -> None:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0 or rate >= 1:
        raise _invalid("invalid_rate", field, _MSG_RATE)


def _check_term(term_months: Any, method: RepaymentMethod, field: str = "term_months") -> None:
    if not _is_whole(term_months) or not 1 <= term_months <= MAX_TERM_MONTHS:
        raise _invalid("invalid_term", field, _MSG_TERM)
    if method is RepaymentMethod.BULLET and term_months > MAX_BULLET_TERM_MONTHS:
        raise BusinessRuleViolation(code="bullet_term_too_long", fields={field: _MSG_BULLET})


def generate_schedule(
    *,
    principal: int,
    daily_rate: Decimal,
    method: RepaymentMethod | str,
    term_months: int,
    start_date: date,
    first_due_date: date | None = None,
    day_count: int = 360,
    rounding: str = "half_up",
) -> list[Instalment]:
    """The contract schedule of a loan disbursed on ``start_date``.

    A bullet loan has one instalment, at the ``term_months``-th due date. ``day_count`` is
    checked (360 or 365) but changes nothing: the daily rate is given, interest runs on actual
    days and the level payment comes from those days (see the module docstring).
    """
    method = _check_common(principal, daily_rate, method, day_count, rounding)
    _check_term(term_months, method)
    if first_due_date is not None and first_due_date <= start_date:
        raise _invalid("invalid_first_due_date", "first_due_date", _MSG_FIRST_DUE)
    dates = monthly_due_dates(start_date, term_months, first_due_date)
    if method is RepaymentMethod.BULLET:
        dates = dates[-1:]
    amount = principal // term_months
    if method is RepaymentMethod.EQUAL_INSTALMENT:
        days = period_days(start_date, dates)
        amount = level_payment(principal, daily_rate, days, rounding=rounding)
    return _amortise(
        principal=principal,
        daily_rate=daily_rate,
        method=method,
        period_start=start_date,
        dates=dates,
        first_number=1,
        rounding=rounding,
        amount=amount,
    )


def reamortise(
    *,
    remaining_principal: int,
    daily_rate: Decimal,
    method: RepaymentMethod | str,
    due_dates: Sequence[date],
    period_start: date,
    next_number: int,
    mode: ReamortisationMode | str,
    instalment_amount: int | None = None,
    day_count: int = 360,
    rounding: str = "half_up",
) -> list[Instalment]:
    """New instalments after a partial prepayment.

    Inputs: ``remaining_principal`` is the principal outstanding after the prepayment;
    ``due_dates`` are the due dates of the instalments not yet due, in order, taken from the
    existing schedule (the calendar never moves); ``period_start`` is where interest of the
    first new instalment starts — the last settled due date, or the prepayment date when the
    prepayment also settled interest accrued to that day (the servicing rule decides);
    ``next_number`` numbers the first new instalment, the rest follow.

    ``lower_instalment`` keeps every due date and recomputes the same method on the remaining
    principal: equal instalment → a new level payment (``level_payment``) over the actual days
    from ``period_start`` through the remaining due dates; equal principal → remaining ÷ count
    per instalment (rounded down, residue in the last); interest-first → interest only,
    principal on the last date; bullet → one instalment on the last date.

    ``shorten_term`` keeps the instalment amount and drops instalments from the end:
    ``instalment_amount`` is the old level payment (principal + interest) for equal
    instalment, or the old principal part for equal principal. Instalments run on the
    existing due dates until the principal is repaid; the last one takes what remains (so it
    is at most the kept amount, unless the dates run out first). It is refused for
    interest-first and bullet loans, whose instalments carry no principal to keep.

    Interest is the remaining principal × daily rate × actual days, as in
    ``generate_schedule``; ``day_count`` is checked but changes nothing, as there. A remaining
    principal of 0 gives no instalments.
    """
    if not _is_whole(remaining_principal) or remaining_principal < 0:
        raise _invalid("invalid_principal", "remaining_principal", _MSG_PRINCIPAL)
    try:
        mode = ReamortisationMode(mode)
    except ValueError:
        raise _invalid("invalid_mode", "mode", _("Unknown re-amortisation mode.")) from None
    if remaining_principal == 0:
        return []
    method = _check_common(remaining_principal, daily_rate, method, day_count, rounding)
    if not due_dates:
        raise _invalid("no_due_dates", "due_dates", _("At least one due date must remain."))
    dates = list(due_dates)
    if any(later <= earlier for earlier, later in pairwise([period_start, *dates])):
        raise _invalid("invalid_due_dates", "due_dates", _MSG_DUE_DATES)
    if not _is_whole(next_number) or next_number < 1:
        raise _invalid("invalid_number", "next_number", _("Instalment numbers start at 1."))
    amount = 0
    if mode is ReamortisationMode.SHORTEN_TERM:
        if method not in (RepaymentMethod.EQUAL_INSTALMENT, RepaymentMethod.EQUAL_PRINCIPAL):
            raise BusinessRuleViolation(
                code="shorten_term_not_applicable", fields={"mode": _MSG_SHORTEN}
            )
        if not _is_whole(instalment_amount) or instalment_amount <= 0:
            raise _invalid("invalid_instalment_amount", "instalment_amount", _MSG_AMOUNT)
        amount = instalment_amount
    elif method is RepaymentMethod.BULLET:
        dates = dates[-1:]
    elif method is RepaymentMethod.EQUAL_INSTALMENT:
        days = period_days(period_start, dates)
        amount = level_payment(remaining_principal, daily_rate, days, rounding=rounding)
    else:
        amount = remaining_principal // len(dates)
    return _amortise(
        principal=remaining_principal,
        daily_rate=daily_rate,
        method=method,
        period_start=period_start,
        dates=dates,
        first_number=next_number,
        rounding=rounding,
        amount=amount,
        stop_when_repaid=mode is ReamortisationMode.SHORTEN_TERM,
    )


def interest_accrued_to(
    *,
    instalments: Sequence[Instalment],
    as_of: date,
    daily_rate: Decimal,
    rounding: str = "half_up",
) -> AccruedInterest:
    """Interest of the current period accrued up to and including ``as_of``.

    The current period is the first instalment whose due date is on or after ``as_of``;
    earlier instalments are taken as paid. Days are counted from the period start, rounded once
    like the schedule's own period interest, so on a due date it equals that instalment's
    interest. A payoff on ``as_of`` is ``principal + interest`` (plus anything overdue).
    """
    if not instalments or not instalments[0].start_date <= as_of <= instalments[-1].due_date:
        raise _invalid("as_of_outside_schedule", "as_of", _MSG_AS_OF)
    current = next(row for row in instalments if row.due_date >= as_of)
    outstanding = current.balance_after + current.principal
    days = (as_of - current.start_date).days
    return AccruedInterest(
        instalment_number=current.number,
        period_start=current.start_date,
        days=days,
        principal=outstanding,
        interest=interest_for_days(outstanding, daily_rate, days, rounding),
    )
