"""Drawing a loan on a credit line, disbursing it, cancelling it before disbursement.

A drawdown books the principal on the line at once (``used``) and stores the schedule as if the
money left today; the real value date is the disbursement date, and ``disburse_loan`` generates
the schedule again when the money leaves on a later day.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from microloan.kernel.ids import new_public_id
from microloan.products.domain import check_drawdown

from ..classification import Category
from ..events import LoanCancelled, LoanDisbursed, LoanDrawn
from ..models import CreditLine, Instalment, Loan
from . import postings
from .common import (
    LOAN_AUDIT_FIELDS,
    business_date_or_today,
    check_positive_amount,
    clean_reason,
    get_line,
    get_loan,
    penalty_rate_e8,
    rate_to_e8,
    refuse_future_date,
    save_versioned,
    snapshot,
)
from .lines import line_is_open_for_drawdown, release_principal, take_principal
from .scheduling import loan_instalment_amount, schedule_for, store_schedule

PERM_DRAW = "lending.add_loan"
PERM_CANCEL = "lending.cancel_loan"


def drawdown(
    *,
    actor: Actor,
    line_id: str,
    amount: int,
    term_months: int,
    method: str,
    business_date: dt.date | None = None,
) -> Loan:
    """Draw ``amount`` fen on the line: a loan pending disbursement, its schedule, line used."""
    if actor.kind != "borrower":
        actor.require(PERM_DRAW)
    check_positive_amount(amount)
    if isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 1:
        raise ValidationFailed(
            code="invalid_term", fields={"term_months": _("A whole number of months.")}
        )
    on = business_date_or_today(business_date)
    with transaction.atomic():
        line = get_line(actor, line_id, lock=True)
        if not line_is_open_for_drawdown(line, on):
            raise BusinessRuleViolation(
                _("This credit line is not open for drawdowns."),
                code="line_not_active",
                fields={"line_id": line.public_id, "status": line.status},
            )
        if amount > line.available:
            raise BusinessRuleViolation(
                _("The amount is above what is available on the line."),
                code="amount_above_available",
                fields={"amount": str(line.available)},
            )
        version = line.product_version
        terms = version.terms()
        check_drawdown(
            terms, amount=amount, term_months=term_months, method=method, daily_rate=line.daily_rate
        )
        loan = Loan(
            public_id=new_public_id("loan"),
            line=line,
            customer_id=line.customer_id,
            product_version=version,
            product_code=version.product.code,
            principal=amount,
            daily_rate=line.daily_rate,
            daily_rate_e8=rate_to_e8(line.daily_rate),
            penalty_rate_e8=penalty_rate_e8(line.daily_rate, terms.penalty_multiplier),
            day_count=terms.day_count,
            method=str(method),
            term_months=term_months,
            grace_days=terms.grace_days,
            rounding=terms.rounding,
            category=Category.NORMAL,
        )
        rows = schedule_for(loan, on)
        loan.maturity_date = rows[-1].due_date
        loan.instalment_amount = loan_instalment_amount(loan, amount, rows)
        loan.save()
        store_schedule(loan, rows)
        take_principal(line, amount)
        record_audit(
            actor=actor,
            action="loan.drawn",
            object_type="loan",
            object_id=loan.public_id,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "line": line.public_id},
        )
        events.publish(
            LoanDrawn(
                customer_id=loan.customer_id,
                loan_id=loan.public_id,
                line_id=line.public_id,
                amount=amount,
                term_months=term_months,
                business_date=on,
            )
        )
    return loan


def _lock_pending(actor: Actor, loan_id: str):
    found = get_loan(actor, loan_id)
    line = CreditLine.objects.select_for_update().get(pk=found.line_id)
    loan = Loan.objects.select_for_update(of=("self",)).get(pk=found.pk)
    if loan.status != Loan.Status.PENDING_DISBURSEMENT:
        raise Conflict(
            _("The loan is not waiting for disbursement."),
            code="loan_not_pending",
            fields={"loan_id": loan.public_id, "status": loan.status},
        )
    return loan, line


def disburse_loan(*, actor: Actor, loan_id: str, business_date: dt.date) -> Loan:
    """The money left on ``business_date`` (the value date): post it, start the loan.

    Only the bank's result on the disbursement order says the money left, so only the
    payments app (a system actor) calls this; a person's word is refused."""
    if actor.kind != "system":
        raise PermissionDenied(
            _("A loan is disbursed when the bank reports its disbursement order paid."),
            code="bank_result_required",
            fields={"loan_id": loan_id},
        )
    with transaction.atomic():
        loan, _line = _lock_pending(actor, loan_id)
        refuse_future_date(business_date)
        stored = list(loan.instalments.order_by("number"))
        if stored and business_date < stored[0].start_date:
            raise BusinessRuleViolation(
                _("A loan cannot be disbursed before it was drawn."),
                code="date_before_drawdown",
                fields={"business_date": business_date.isoformat()},
            )
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        rows = schedule_for(loan, business_date)
        if not stored or stored[0].start_date != business_date:
            loan.instalments.all().delete()  # never live: nothing was due or paid on them
            store_schedule(loan, rows)
        loan.status = Loan.Status.ACTIVE
        loan.start_date = business_date
        loan.maturity_date = rows[-1].due_date
        loan.instalment_amount = loan_instalment_amount(loan, loan.principal, rows)
        loan.principal_outstanding = loan.principal
        loan.period_start_date = business_date
        loan.period_principal = loan.principal
        loan.period_days_accrued = loan.period_accrued = 0
        loan.next_due_date = rows[0].due_date
        loan.next_instalment_number = rows[0].number
        # End of day accrues a loan for day D when its last accrual is before D: the value
        # date itself is the first day of interest.
        loan.last_accrual_date = loan.last_penalty_date = business_date - dt.timedelta(days=1)
        loan.last_accrual_amount = loan.last_penalty_amount = 0
        save_versioned(
            loan,
            [
                "status",
                "start_date",
                "maturity_date",
                "instalment_amount",
                "principal_outstanding",
                "period_start_date",
                "period_principal",
                "period_days_accrued",
                "period_accrued",
                "next_due_date",
                "next_instalment_number",
                "last_accrual_date",
                "last_penalty_date",
                "last_accrual_amount",
                "last_penalty_amount",
            ],
        )
        txn = postings.record_disbursement(actor=actor, loan=loan, business_date=business_date)
        record_audit(
            actor=actor,
            action="loan.disbursed",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "transaction": txn.public_id},
        )
        events.publish(
            LoanDisbursed(
                customer_id=loan.customer_id,
                loan_id=loan.public_id,
                amount=loan.principal,
                business_date=business_date,
                first_due_date=rows[0].due_date,
                first_due_amount=rows[0].principal + rows[0].interest,
            )
        )
    return loan


def cancel_pending_loan(*, actor: Actor, loan_id: str, reason: str) -> Loan:
    """Cancel a loan before its money left (the borrower theirs, or staff): line used restored."""
    if actor.kind != "borrower":
        actor.require(PERM_CANCEL)
    reason = clean_reason(reason)
    with transaction.atomic():
        loan, line = _lock_pending(actor, loan_id)
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        loan.instalments.update(status=Instalment.Status.CANCELLED)
        loan.status = Loan.Status.CANCELLED
        loan.closed_on = business_date_or_today(None)
        save_versioned(loan, ["status", "closed_on"])
        release_principal(line, loan.principal)
        record_audit(
            actor=actor,
            action="loan.cancelled",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "reason": reason},
        )
        events.publish(
            LoanCancelled(customer_id=loan.customer_id, loan_id=loan.public_id, reason=reason)
        )
    return loan
