"""Penalty interest on overdue principal (pure rules, exact Decimal arithmetic).

What the multiplier means: the product's ``penalty_multiplier`` m (1.5 by default) is the
total daily charge on overdue principal as a multiple of the contract daily rate r. Normal
interest on an instalment's principal stops at that instalment's due date (the next period's
interest base excludes it, docs/servicing.md), so the whole charge on overdue principal is
penalty interest at ``r × m`` a day: with m = 1.5 that is the contract rate plus 50 % on top,
"1.5 × in all" as the regulatory defaults say. (The penalty part "on top" alone is r × (m − 1).)

A day's penalty is ``round(overdue principal × r × m)`` to the fen by the product's rounding
mode, rounded once per day, as end of day posts it. A day D is charged only when its days past
due, ``D − due date``, exceed the grace days: paid by the end of the day after the due date
(grace 1) means no penalty at all, and grace days are never charged afterwards.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from microloan.kernel.rounding import DEFAULT_ROUNDING, round_fen

# Exact: multiplying Decimals in this context never rounds, so only round_fen rounds.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _check(overdue_principal: int, daily_rate: Decimal, multiplier: Decimal) -> None:
    if isinstance(overdue_principal, bool) or not isinstance(overdue_principal, int):
        raise TypeError("overdue principal must be an int number of fen")
    if overdue_principal < 0:
        raise ValueError("overdue principal must not be negative")
    for name, value in (("daily_rate", daily_rate), ("multiplier", multiplier)):
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be a Decimal")
        if not value.is_finite() or value < 0:
            raise ValueError(f"{name} must be a finite Decimal ≥ 0")


def penalty_daily_rate(daily_rate: Decimal, multiplier: Decimal) -> Decimal:
    """The daily penalty rate on overdue principal: ``daily_rate × multiplier``, exactly."""
    _check(0, daily_rate, multiplier)
    return _EXACT.multiply(daily_rate, multiplier)


def penalty_for_day(
    overdue_principal: int,
    daily_rate: Decimal,
    multiplier: Decimal,
    rounding: str = DEFAULT_ROUNDING,
) -> int:
    """One day's penalty in fen: ``round(overdue_principal × daily_rate × multiplier)``."""
    _check(overdue_principal, daily_rate, multiplier)
    exact = _EXACT.multiply(Decimal(overdue_principal), penalty_daily_rate(daily_rate, multiplier))
    return round_fen(exact, rounding)


def penalty_days(*, due_date: date, first_day: date, last_day: date, grace_days: int) -> int:
    """How many days D in ``first_day … last_day`` (inclusive) are charged: D − due > grace."""
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError("grace days must be a whole number ≥ 0")
    first_charged = max(first_day, due_date + timedelta(days=grace_days + 1))
    return max((last_day - first_charged).days + 1, 0)


def penalty_between(
    *,
    overdue_principal: int,
    daily_rate: Decimal,
    multiplier: Decimal,
    due_date: date,
    first_day: date,
    last_day: date,
    grace_days: int = 1,
    rounding: str = DEFAULT_ROUNDING,
) -> int:
    """Penalty for the days ``first_day … last_day`` (inclusive) on a constant overdue principal
    that fell due on ``due_date``: the charged days (``penalty_days``) × one day's penalty,
    each day rounded on its own as end of day posts it."""
    days = penalty_days(
        due_date=due_date, first_day=first_day, last_day=last_day, grace_days=grace_days
    )
    return days * penalty_for_day(overdue_principal, daily_rate, multiplier, rounding)
