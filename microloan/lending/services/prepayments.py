"""Partial prepayment with re-amortisation, and full payoff at the quoted amount.

Both settle on the current business day only (the loan accrued up to yesterday), so that what
they charge is what the quote shows and the interest period can restart today:

- ``prepay`` first pays everything due, all interest accrued to today and any penalty, then
  principal ahead of schedule (less the product's prepayment fee). The instalments not yet
  due are replaced: the same due dates, re-amortised from today on the remaining principal by
  the product's mode (lower instalment or shorten term). The current interest period restarts
  today on the new principal, so end of day accrues it from here.
- ``payoff`` posts exactly ``compute_payoff``; money above the quote is held as unapplied
  receipts on the closed loan, refundable by staff.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, ValidationFailed
from microloan.kernel.money import to_yuan_str
from microloan.loanmath.schedules import ReamortisationMode, reamortise
from microloan.products.domain import prepayment_fee

from ..models import CreditLine, Instalment, Loan, LoanTransaction
from . import postings
from .common import (
    LOAN_AUDIT_FIELDS,
    check_non_negative_amount,
    check_positive_amount,
    lock_loan_and_line,
    save_versioned,
    snapshot,
)
from .lines import release_principal
from .quotes import compute_payoff, require_current_accrual
from .repayments import check_repayable, clean_source_ref, replay_if_recorded, require_may_pay
from .scheduling import loan_instalment_amount, store_schedule
from .settlement import (
    LIVE,
    LOAN_STATE_FIELDS,
    Applied,
    allocate_dues,
    apply_allocation,
    close_loan,
    dues_on,
    live_instalments,
    refresh_delinquency,
)


def _largest_prepayable(terms, budget: int, ceiling: int) -> int:
    """The most principal p ≤ ``ceiling`` with p + fee(p) ≤ ``budget``."""
    low, high = 0, min(budget, ceiling)
    while low < high:  # fee(p) grows with p, so p + fee(p) is monotonic: bisect
        mid = (low + high + 1) // 2
        if mid + prepayment_fee(terms, mid) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def _settle_dues_in_full(loan: Loan, instalments, on: dt.date) -> Applied:
    """Pay everything due, then the rest of the accrued interest and of the penalties."""
    dues = dues_on(loan, instalments, on)
    order = loan.product_version.terms().allocation_order
    applied = apply_allocation(loan, dues, allocate_dues(dues, dues.total, order), on)
    for inst in instalments:  # penalty a restructuring carried onto a future instalment
        if inst.due_date > on and inst.penalty > inst.paid_penalty:
            inst.paid_penalty = inst.penalty
            inst.save(update_fields=["paid_penalty"])
    applied.interest += loan.interest_receivable
    applied.penalty += loan.penalty_receivable
    loan.interest_receivable = loan.overdue_interest = 0
    loan.penalty_receivable = 0
    return applied


def _lock_for_settlement(actor: Actor, loan_id: str, source_ref: str, kind: str, amount: int):
    loan, line = lock_loan_and_line(actor, loan_id)
    require_may_pay(actor, loan)
    recorded = replay_if_recorded(source_ref, loan=loan, kind=kind, amount=amount)
    return loan, line, recorded


def prepay(
    *,
    actor: Actor,
    loan_id: str,
    amount: int,
    business_date: dt.date,
    source_ref: str,
    mode: str | None = None,
) -> LoanTransaction:
    """Prepay principal with ``amount`` fen after what is due and accrued (see module doc)."""
    check_positive_amount(amount)
    source_ref = clean_source_ref(source_ref)
    if mode is not None and mode not in tuple(ReamortisationMode):
        raise ValidationFailed(
            code="invalid_mode",
            fields={"mode": _("Use shorten_term or lower_instalment.")},
        )
    with transaction.atomic():
        loan, line, recorded = _lock_for_settlement(
            actor, loan_id, source_ref, LoanTransaction.Kind.PREPAYMENT, amount
        )
        if recorded is not None:
            return recorded
        check_repayable(loan, business_date)
        require_current_accrual(loan, business_date)
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        txn = _prepay_locked(
            actor=actor,
            loan=loan,
            line=line,
            amount=amount,
            on=business_date,
            source_ref=source_ref,
            mode=mode or loan.product_version.terms().prepayment_mode,
        )
        record_audit(
            actor=actor,
            action="loan.prepaid",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "transaction": txn.public_id},
        )
    return txn


def _prepay_locked(
    *,
    actor: Actor,
    loan: Loan,
    line: CreditLine,
    amount: int,
    on: dt.date,
    source_ref: str,
    mode: str,
) -> LoanTransaction:
    terms = loan.product_version.terms()
    instalments = live_instalments(loan)
    held = loan.unapplied_balance
    due_principal = dues_on(loan, instalments, on).principal
    owed_first = due_principal + loan.interest_receivable + loan.penalty_receivable
    not_yet_due = loan.principal_outstanding - due_principal
    budget = amount + held - owed_first
    principal = _largest_prepayable(terms, max(budget, 0), not_yet_due)
    if principal == 0:
        minimum = owed_first - held + 1 + prepayment_fee(terms, 1)
        raise BusinessRuleViolation(
            _("The amount does not reach beyond what is due and accrued (%(due)s).")
            % {"due": to_yuan_str(owed_first)},
            code="prepayment_too_small",
            fields={"amount": to_yuan_str(max(minimum, 1))},
        )
    fee = prepayment_fee(terms, principal)
    applied = _settle_dues_in_full(loan, instalments, on)
    applied.principal += principal
    loan.principal_outstanding -= principal
    loan.unapplied_balance = held + amount - owed_first - principal - fee
    future = [i for i in instalments if i.status in LIVE and i.due_date > on]
    Instalment.objects.filter(pk__in=[i.pk for i in future]).update(
        status=Instalment.Status.CANCELLED
    )
    refresh_delinquency(loan, instalments)
    if loan.principal_outstanding == 0:
        close_loan(loan, [], on)
    else:
        _reamortise(loan, future, on, mode)
    release_principal(line, applied.principal)
    save_versioned(loan, [*LOAN_STATE_FIELDS, "instalment_amount"])
    return postings.record_payment(
        actor=actor,
        loan=loan,
        kind=LoanTransaction.Kind.PREPAYMENT,
        business_date=on,
        cash_in=amount,
        applied=applied,
        unapplied_change=loan.unapplied_balance - held,
        source_ref=source_ref,
        fee=fee,
    )


def _reamortise(loan: Loan, future: list[Instalment], on: dt.date, mode: str) -> None:
    rows = reamortise(
        remaining_principal=loan.principal_outstanding,
        daily_rate=loan.daily_rate,
        method=loan.method,
        due_dates=[i.due_date for i in future],
        period_start=on,
        next_number=future[0].number,
        mode=mode,
        instalment_amount=loan.instalment_amount or None,
        day_count=loan.day_count,
        rounding=loan.rounding,
    )
    store_schedule(loan, rows)
    if mode == ReamortisationMode.LOWER_INSTALMENT:
        loan.instalment_amount = loan_instalment_amount(loan, loan.principal_outstanding, rows)
    # The current period restarts today on the new principal (interest to today is paid).
    loan.period_start_date = on
    loan.period_principal = loan.principal_outstanding
    loan.period_days_accrued = loan.period_accrued = 0
    loan.next_due_date = rows[0].due_date
    loan.next_instalment_number = rows[0].number
    loan.maturity_date = rows[-1].due_date


def payoff(
    *, actor: Actor, loan_id: str, amount: int, business_date: dt.date, source_ref: str
) -> LoanTransaction:
    """Settle the loan in full with ``amount`` ≥ today's payoff quote (0 when held credit
    already covers it)."""
    check_non_negative_amount(amount)
    source_ref = clean_source_ref(source_ref)
    with transaction.atomic():
        loan, line, recorded = _lock_for_settlement(
            actor, loan_id, source_ref, LoanTransaction.Kind.PAYOFF, amount
        )
        if recorded is not None:
            return recorded
        check_repayable(loan, business_date)
        require_current_accrual(loan, business_date)
        instalments = live_instalments(loan)
        quote = compute_payoff(loan, instalments, business_date)
        if amount < quote.total:
            raise BusinessRuleViolation(
                _("The payoff amount today is %(total)s.") % {"total": to_yuan_str(quote.total)},
                code="amount_below_payoff",
                fields={"amount": to_yuan_str(quote.total)},
            )
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        held = loan.unapplied_balance
        applied = _settle_dues_in_full(loan, instalments, business_date)
        applied.principal += loan.principal_outstanding
        loan.principal_outstanding = 0
        loan.unapplied_balance = held + amount - quote.total - quote.unapplied_credit
        refresh_delinquency(loan, instalments)
        close_loan(loan, instalments, business_date)
        release_principal(line, applied.principal)
        save_versioned(loan, LOAN_STATE_FIELDS)
        txn = postings.record_payment(
            actor=actor,
            loan=loan,
            kind=LoanTransaction.Kind.PAYOFF,
            business_date=business_date,
            cash_in=amount,
            applied=applied,
            unapplied_change=loan.unapplied_balance - held,
            source_ref=source_ref,
            fee=quote.fee,
        )
        record_audit(
            actor=actor,
            action="loan.paid_off",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={
                **snapshot(loan, LOAN_AUDIT_FIELDS),
                "transaction": txn.public_id,
                "quote_total": quote.total,
            },
        )
    return txn
