"""Storing a loan's schedule and the figures derived from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from microloan.loanmath.schedules import Instalment as ScheduleRow
from microloan.loanmath.schedules import RepaymentMethod, generate_schedule, level_payment

from ..models import Instalment, Loan


def schedule_for(loan: Loan, start_date: dt.date) -> list[ScheduleRow]:
    """The contract schedule of ``loan`` if its money leaves on ``start_date``."""
    return generate_schedule(
        principal=loan.principal,
        daily_rate=loan.daily_rate,
        method=loan.method,
        term_months=loan.term_months,
        start_date=start_date,
        day_count=loan.day_count,
        rounding=loan.rounding,
    )


def store_schedule(
    loan: Loan, rows: list[ScheduleRow], *, carried_interest: int = 0, carried_penalty: int = 0
) -> list[Instalment]:
    """Save ``rows`` as the loan's live instalments. A restructuring carries interest and
    penalty already owed onto the first new instalment, where they fall due."""
    instalments = [
        Instalment(
            loan=loan,
            number=row.number,
            start_date=row.start_date,
            due_date=row.due_date,
            principal=row.principal,
            interest=row.interest + (carried_interest if index == 0 else 0),
            penalty=carried_penalty if index == 0 else 0,
            balance_after=row.balance_after,
        )
        for index, row in enumerate(rows)
    ]
    return Instalment.objects.bulk_create(instalments)


def instalment_amount(
    *,
    method: str,
    principal: int,
    daily_rate: Decimal,
    periods: list[int],
    day_count: int,
    rounding: str,
) -> int:
    """The amount a term-shortening prepayment keeps: level payment or principal part.

    ``periods`` are the days of each remaining period, so the level payment is the one the
    schedule actually charges (interest runs on actual days).
    """
    if method == RepaymentMethod.EQUAL_INSTALMENT:
        return level_payment(principal, daily_rate, periods, day_count, rounding)
    if method == RepaymentMethod.EQUAL_PRINCIPAL:
        return principal // len(periods)
    return 0


def loan_instalment_amount(loan: Loan, principal: int, rows) -> int:
    """Level payment of ``principal`` over the periods of schedule ``rows``."""
    periods = [(row.due_date - row.start_date).days for row in rows]
    return instalment_amount(
        method=loan.method,
        principal=principal,
        daily_rate=loan.daily_rate,
        periods=periods,
        day_count=loan.day_count,
        rounding=loan.rounding,
    )
