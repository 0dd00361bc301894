"""Writing a loan off (maker-checker).

On approval the loan's remaining balances leave the books in one entry: the credit the loan
holds (2241) pays what it can first, then the product's loan loss allowance (1309) absorbs the
rest as far as its balance goes, and any shortfall is an impairment loss (6701); 1301, 1302
and 1303 are credited with everything the loan still carried. The loan is written off, its
principal no longer uses the line, and the line is frozen: no new money for this borrower on it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict
from microloan.kernel.ids import new_public_id
from microloan.kernel.services import get_business_date

from ..models import CreditLine, Loan, MakerCheckerRequest
from . import postings
from .common import (
    LINE_AUDIT_FIELDS,
    LOAN_AUDIT_FIELDS,
    clean_reason,
    get_loan,
    require_loan_active,
    require_no_pending_request,
    require_staff,
    require_user,
    save_versioned,
    snapshot,
)
from .lines import release_principal
from .settlement import LOAN_STATE_FIELDS, Applied, close_loan, live_instalments

PERM_PROPOSE = "lending.propose_writeoff"
PERM_APPROVE = "lending.approve_writeoff"


def propose_writeoff(*, actor: Actor, loan_id: str, reason: str) -> MakerCheckerRequest:
    """Ask to write the loan off; a second person with ``approve_writeoff`` decides."""
    require_staff(actor, PERM_PROPOSE)
    maker_pk = require_user(actor)
    reason = clean_reason(reason)
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=get_loan(actor, loan_id).pk)
        require_loan_active(loan)
        require_no_pending_request(loan)
        request = MakerCheckerRequest.objects.create(
            public_id=new_public_id("mcr"),
            kind=MakerCheckerRequest.Kind.WRITE_OFF,
            loan=loan,
            line_id=loan.line_id,
            params={
                "principal": loan.principal_outstanding,
                "interest": loan.interest_receivable,
                "penalty": loan.penalty_receivable,
                "dpd": loan.dpd,
            },
            reason=reason,
            maker_id=maker_pk,
        )
        record_audit(
            actor=actor,
            action="loan.writeoff_proposed",
            object_type="loan",
            object_id=loan.public_id,
            after={"request": request.public_id, **request.params, "reason": reason},
        )
    return request


def _use_held_credit(loan: Loan) -> Applied:
    """What the loan's held credit pays of its balances: penalty, then interest, then principal."""
    used = Applied()
    credit = loan.unapplied_balance
    for name, column in (
        ("penalty", "penalty_receivable"),
        ("interest", "interest_receivable"),
        ("principal", "principal_outstanding"),
    ):
        part = min(credit, getattr(loan, column))
        setattr(used, name, part)
        credit -= part
    return used


def apply_writeoff(*, actor: Actor, request: MakerCheckerRequest) -> Loan:
    """The approved side (called by ``requests.approve_request`` inside its transaction)."""
    on = get_business_date()
    line = CreditLine.objects.select_for_update().get(pk=request.line_id)
    loan = Loan.objects.select_for_update().get(pk=request.loan_id)
    require_loan_active(loan)
    before = snapshot(loan, LOAN_AUDIT_FIELDS)
    credit_used = _use_held_credit(loan)
    written_off = Applied(
        penalty=loan.penalty_receivable - credit_used.penalty,
        interest=loan.interest_receivable - credit_used.interest,
        principal=loan.principal_outstanding - credit_used.principal,
    )
    if written_off.total == 0:
        raise Conflict(
            _("Nothing is left to write off."),
            code="nothing_to_write_off",
            fields={"loan_id": loan.public_id},
        )
    allowance_used = min(postings.allowance_balance(loan.product_code), written_off.total)
    principal_released = loan.principal_outstanding
    loan.unapplied_balance -= credit_used.total
    loan.principal_outstanding = loan.interest_receivable = loan.penalty_receivable = 0
    close_loan(loan, live_instalments(loan), on, status=Loan.Status.WRITTEN_OFF)
    save_versioned(loan, LOAN_STATE_FIELDS)
    txn = postings.record_write_off(
        actor=actor,
        loan=loan,
        business_date=on,
        written_off=written_off,
        credit_used=credit_used,
        allowance_used=allowance_used,
    )
    line_before = snapshot(line, LINE_AUDIT_FIELDS)
    release_principal(line, principal_released)
    if line.status != CreditLine.Status.CLOSED:
        line.status = CreditLine.Status.FROZEN
        save_versioned(line, ["status"])
    record_audit(
        actor=actor,
        action="loan.written_off",
        object_type="loan",
        object_id=loan.public_id,
        before=before,
        after={
            **snapshot(loan, LOAN_AUDIT_FIELDS),
            "request": request.public_id,
            "transaction": txn.public_id,
            "allowance_used": allowance_used,
        },
    )
    record_audit(
        actor=actor,
        action="line.frozen",
        object_type="credit_line",
        object_id=line.public_id,
        before=line_before,
        after={**snapshot(line, LINE_AUDIT_FIELDS), "reason": "loan written off"},
    )
    return loan
