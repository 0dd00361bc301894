"""The payoff quote: what settles a loan in full on a given day.

quote = principal outstanding + interest accrued to the day (overdue included) + penalties +
prepayment fee on the principal not yet due − the loan's held credit (docs/servicing.md).

For the current business day — the day after the loan's last end-of-day accrual — every figure
is on the loan row already, and ``payoff`` posts exactly this quote. A later day (up to the next
due date) adds the interest and penalty that end of day would accrue until then, with the same
rounding, so a borrower can see what paying off on a coming day will cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict
from microloan.loanmath.schedules import interest_for_days
from microloan.products.domain import prepayment_fee

from ..models import RATE_SCALE, Instalment, Loan
from ..penalty import penalty_for_day
from .common import loan_not_found, visible_loan
from .settlement import LIVE, unpaid_principal


@dataclass(frozen=True)
class PayoffQuote:
    loan_id: str
    business_date: dt.date
    principal: int
    interest: int
    penalty: int
    fee: int
    unapplied_credit: int
    total: int

    def as_dict(self) -> dict:
        return asdict(self)


def accrual_is_current(loan: Loan, on: dt.date) -> bool:
    """End of day has accrued every day before ``on`` and nothing of ``on`` itself."""
    return loan.last_accrual_date == on - dt.timedelta(days=1)


def require_current_accrual(loan: Loan, on: dt.date) -> None:
    if not accrual_is_current(loan, on):
        raise Conflict(
            _("The loan is not accrued up to this day; only today's business date can settle."),
            code="accrual_not_current",
            fields={"business_date": on.isoformat()},
        )


def _interest_still_to_accrue(loan: Loan, on: dt.date) -> int:
    if loan.period_start_date is None or loan.period_principal == 0:
        return 0
    to_day = interest_for_days(
        loan.period_principal, loan.daily_rate, (on - loan.period_start_date).days, loan.rounding
    )
    return max(to_day - loan.period_accrued, 0)


def _penalty_still_to_accrue(loan: Loan, on: dt.date) -> int:
    """Penalty end of day would charge for the days after its last run and before ``on``."""
    if not loan.overdue_principal or loan.oldest_unpaid_due_date is None:
        return 0
    first_day = (loan.last_penalty_date or loan.start_date) + dt.timedelta(days=1)
    rate = Decimal(loan.penalty_rate_e8) / RATE_SCALE
    per_day = penalty_for_day(loan.overdue_principal, rate, Decimal(1), loan.rounding)
    charged = sum(
        1
        for offset in range((on - first_day).days)
        if (first_day + dt.timedelta(days=offset) - loan.oldest_unpaid_due_date).days
        > loan.grace_days
    )
    return charged * per_day


def compute_payoff(loan: Loan, instalments: list[Instalment], on: dt.date) -> PayoffQuote:
    """The quote for ``loan`` (active) on ``on``; ``instalments`` are its live instalments."""
    if loan.status != Loan.Status.ACTIVE:
        raise Conflict(
            _("Only an active loan can be paid off."),
            code="loan_not_repayable",
            fields={"loan_id": loan.public_id, "status": loan.status},
        )
    if loan.last_accrual_date is not None and on <= loan.last_accrual_date:
        raise BusinessRuleViolation(
            _("End of day has already run for this date."),
            code="quote_date_in_past",
            fields={"date": on.isoformat()},
        )
    if loan.next_due_date is not None and on > loan.next_due_date:
        raise BusinessRuleViolation(
            _("A quote can be given up to the next due date (%(date)s).")
            % {"date": loan.next_due_date.isoformat()},
            code="quote_date_beyond_next_due",
            fields={"date": on.isoformat()},
        )
    interest = loan.interest_receivable + _interest_still_to_accrue(loan, on)
    penalty = loan.penalty_receivable + _penalty_still_to_accrue(loan, on)
    not_yet_due = sum(
        unpaid_principal(i) for i in instalments if i.status in LIVE and i.due_date > on
    )
    fee = prepayment_fee(loan.product_version.terms(), not_yet_due)
    gross = loan.principal_outstanding + interest + penalty + fee
    credit = min(loan.unapplied_balance, gross)
    return PayoffQuote(
        loan_id=loan.public_id,
        business_date=on,
        principal=loan.principal_outstanding,
        interest=interest,
        penalty=penalty,
        fee=fee,
        unapplied_credit=credit,
        total=gross - credit,
    )


def payoff_quote(
    *, loan_id: str, business_date: dt.date, actor: Actor | None = None
) -> PayoffQuote:
    """What paying the loan off on ``business_date`` costs. With ``actor``, only a loan the
    actor may see (a borrower's own); callers that already checked access may omit it."""
    if actor is not None:
        loan = visible_loan(actor, loan_id)
    else:
        loan = Loan.objects.select_related("product_version").filter(public_id=loan_id).first()
        if loan is None:
            raise loan_not_found(loan_id)
    instalments = list(loan.instalments.filter(status__in=LIVE).order_by("number"))
    return compute_payoff(loan, instalments, business_date)
