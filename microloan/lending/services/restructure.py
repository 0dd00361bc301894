"""Restructuring a loan (maker-checker): a new schedule for the principal outstanding.

On approval, on the business date X (the loan accrued up to yesterday):

- every live instalment is cancelled; the whole principal outstanding, overdue included, is
  scheduled again from X with the approved term, method and daily rate (never above the
  original rate);
- interest already accrued (overdue included) and penalties stay receivable: they are carried
  onto the first new instalment and fall due with it, so the loan owes nothing today and
  ``overdue_*`` are cleared, DPD is 0;
- the loan is marked restructured, which keeps it at least substandard.

No journal entry is posted: principal stays in 1301, interest in 1302 and penalties in 1303,
only their due dates move. The ``LoanTransaction`` of kind ``restructure`` records the event.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict
from microloan.kernel.ids import new_public_id
from microloan.kernel.rounding import parse_rate
from microloan.kernel.services import get_business_date
from microloan.loanmath.schedules import generate_schedule

from ..classification import classify
from ..models import Instalment, Loan, LoanTransaction, MakerCheckerRequest
from . import postings
from .common import (
    LOAN_AUDIT_FIELDS,
    clean_reason,
    get_loan,
    penalty_rate_e8,
    rate_to_e8,
    require_loan_active,
    require_no_pending_request,
    require_staff,
    require_user,
    save_versioned,
    snapshot,
)
from .quotes import require_current_accrual
from .scheduling import loan_instalment_amount, store_schedule
from .settlement import LOAN_STATE_FIELDS, live_instalments

PERM_PROPOSE = "lending.propose_restructure"
PERM_APPROVE = "lending.approve_restructure"


def propose_restructure(
    *,
    actor: Actor,
    loan_id: str,
    term_months: int,
    method: str,
    daily_rate: Decimal | str | None = None,
    reason: str,
) -> MakerCheckerRequest:
    """Ask for a new schedule; a second person with ``approve_restructure`` decides."""
    require_staff(actor, PERM_PROPOSE)
    maker_pk = require_user(actor)
    reason = clean_reason(reason)
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=get_loan(actor, loan_id).pk)
        require_loan_active(loan)
        rate = loan.daily_rate if daily_rate is None else parse_rate(daily_rate, field="daily_rate")
        if rate > loan.daily_rate:
            raise BusinessRuleViolation(
                _("A restructuring may not raise the rate."),
                code="rate_above_original",
                fields={"daily_rate": str(loan.daily_rate)},
            )
        # The new schedule must be one the schedule rules accept (method, term, bullet ≤ 12).
        generate_schedule(
            principal=max(loan.principal_outstanding, 1),
            daily_rate=rate,
            method=method,
            term_months=term_months,
            start_date=get_business_date(),
            day_count=loan.day_count,
            rounding=loan.rounding,
        )
        require_no_pending_request(loan)
        request = MakerCheckerRequest.objects.create(
            public_id=new_public_id("mcr"),
            kind=MakerCheckerRequest.Kind.RESTRUCTURE,
            loan=loan,
            line_id=loan.line_id,
            params={"term_months": term_months, "method": str(method), "daily_rate": str(rate)},
            reason=reason,
            maker_id=maker_pk,
        )
        record_audit(
            actor=actor,
            action="loan.restructure_proposed",
            object_type="loan",
            object_id=loan.public_id,
            after={"request": request.public_id, **request.params, "reason": reason},
        )
    return request


def apply_restructure(*, actor: Actor, request: MakerCheckerRequest) -> Loan:
    """The approved side (called by ``requests.approve_request`` inside its transaction)."""
    on = get_business_date()
    loan = (
        Loan.objects.select_for_update().select_related("product_version").get(pk=request.loan_id)
    )
    require_loan_active(loan)
    require_current_accrual(loan, on)
    if loan.principal_outstanding == 0:
        raise Conflict(
            _("No principal is left to reschedule."),
            code="nothing_to_restructure",
            fields={"loan_id": loan.public_id},
        )
    before = snapshot(loan, LOAN_AUDIT_FIELDS)
    params = request.params
    rate = Decimal(params["daily_rate"])
    instalments = live_instalments(loan)
    Instalment.objects.filter(pk__in=[i.pk for i in instalments]).update(
        status=Instalment.Status.CANCELLED
    )
    # New numbers follow the old ones, so the schedule keeps its history readable.
    last_number = loan.instalments.order_by("-number").values_list("number", flat=True).first()
    rows = generate_schedule(
        principal=loan.principal_outstanding,
        daily_rate=rate,
        method=params["method"],
        term_months=params["term_months"],
        start_date=on,
        day_count=loan.day_count,
        rounding=loan.rounding,
    )
    rows = [replace(row, number=row.number + (last_number or 0)) for row in rows]
    store_schedule(
        loan,
        rows,
        carried_interest=loan.interest_receivable,
        carried_penalty=loan.penalty_receivable,
    )
    terms = loan.product_version.terms()
    loan.daily_rate = rate
    loan.daily_rate_e8 = rate_to_e8(rate)
    loan.penalty_rate_e8 = penalty_rate_e8(rate, terms.penalty_multiplier)
    loan.method = params["method"]
    loan.term_months = params["term_months"]
    loan.instalment_amount = loan_instalment_amount(loan, loan.principal_outstanding, rows)
    loan.maturity_date = rows[-1].due_date
    loan.overdue_principal = loan.overdue_interest = 0
    loan.period_start_date = on
    loan.period_principal = loan.principal_outstanding
    loan.period_days_accrued = loan.period_accrued = 0
    loan.next_due_date = rows[0].due_date
    loan.next_instalment_number = rows[0].number
    loan.oldest_unpaid_due_date = None
    loan.dpd = 0
    loan.restructured = True
    loan.category = str(classify(0, restructured=True))
    save_versioned(
        loan,
        [
            *LOAN_STATE_FIELDS,
            "daily_rate",
            "daily_rate_e8",
            "penalty_rate_e8",
            "method",
            "term_months",
            "instalment_amount",
            "restructured",
        ],
    )
    txn = postings.record_without_entry(
        actor=actor, loan=loan, kind=LoanTransaction.Kind.RESTRUCTURE, business_date=on
    )
    record_audit(
        actor=actor,
        action="loan.restructured",
        object_type="loan",
        object_id=loan.public_id,
        before=before,
        after={
            **snapshot(loan, LOAN_AUDIT_FIELDS),
            "request": request.public_id,
            "transaction": txn.public_id,
        },
    )
    return loan
