"""Repayment on any business day, held overpayments applied at end of day, and their refund.

A repayment pays what is due (``settlement``) in the product's allocation order; anything left
is held on the loan as unapplied receipts (2241) until the next instalment falls due or staff
refund it. Money already held is used together with the new money, so a loan never owes a due
amount while holding a credit. One journal entry per repayment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
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
from microloan.kernel.services import get_business_date

from ..events import RepaymentPosted
from ..models import CreditLine, Loan, LoanTransaction
from . import postings
from .common import (
    LOAN_AUDIT_FIELDS,
    check_positive_amount,
    lock_loan_and_line,
    refuse_future_date,
    save_versioned,
    snapshot,
)
from .lines import release_principal
from .settlement import (
    LOAN_STATE_FIELDS,
    allocate_dues,
    apply_allocation,
    close_loan,
    dues_on,
    live_instalments,
    nothing_owed,
    refresh_delinquency,
)

PERM_RECORD_PAYMENT = "lending.add_loantransaction"
PERM_REFUND = "lending.refund_unapplied"
MAX_SOURCE_REF_LENGTH = 200


def clean_source_ref(source_ref: str) -> str:
    source_ref = (source_ref or "").strip()
    if not source_ref or len(source_ref) > MAX_SOURCE_REF_LENGTH:
        raise ValidationFailed(
            code="invalid_source_ref",
            fields={"source_ref": _("A payment reference of 1 to 200 characters is required.")},
        )
    return source_ref


def require_may_pay(actor: Actor, loan: Loan) -> None:
    """Only a bank result (the payments app, a system actor) or the manual posting of a bank
    reference (``manual_postings``) posts money: a borrower's word never does (they create a
    payment order instead), nor does a staff member's without the posting permission."""
    if actor.kind == "borrower":
        raise PermissionDenied(
            _("A repayment is posted when the bank reports it; create a payment order."),
            code="bank_result_required",
            fields={"loan_id": loan.public_id},
        )
    actor.require(PERM_RECORD_PAYMENT)


def check_repayable(loan: Loan, business_date: dt.date) -> None:
    if loan.status != Loan.Status.ACTIVE:
        raise Conflict(
            _("This loan cannot take repayments (it is %(status)s).")
            % {"status": loan.get_status_display()},
            code="loan_not_repayable",
            fields={"loan_id": loan.public_id, "status": loan.status},
        )
    refuse_future_date(business_date)
    if business_date < loan.start_date:
        raise BusinessRuleViolation(
            _("The date is before the loan was disbursed."),
            code="date_before_disbursement",
            fields={"business_date": business_date.isoformat()},
        )


def replay_if_recorded(source_ref: str, *, loan: Loan, kind: str, amount: int):
    """The transaction already recorded under ``source_ref``, if any (the same request again).

    The same reference for a different loan, kind or amount is a client error, not a replay.
    """
    existing = LoanTransaction.objects.filter(source_ref=source_ref).first()
    if existing is None:
        return None
    if (existing.loan_id, existing.kind, existing.amount) != (loan.pk, kind, amount):
        raise Conflict(
            _("This payment reference was already used for a different payment."),
            code="source_ref_reused",
            fields={"source_ref": source_ref},
        )
    return existing


def repay(
    *, actor: Actor, loan_id: str, amount: int, business_date: dt.date, source_ref: str
) -> LoanTransaction:
    """Apply ``amount`` fen received on ``business_date`` to what the loan has due.

    Idempotent on ``source_ref``: the same reference returns the transaction already recorded.
    """
    check_positive_amount(amount)
    source_ref = clean_source_ref(source_ref)
    with transaction.atomic():
        loan, line = lock_loan_and_line(actor, loan_id)
        require_may_pay(actor, loan)
        recorded = replay_if_recorded(
            source_ref, loan=loan, kind=LoanTransaction.Kind.REPAYMENT, amount=amount
        )
        if recorded is not None:
            return recorded
        check_repayable(loan, business_date)
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        txn = _settle(
            actor=actor,
            loan=loan,
            line=line,
            cash=amount,
            business_date=business_date,
            kind=LoanTransaction.Kind.REPAYMENT,
            source_ref=source_ref,
        )
        record_audit(
            actor=actor,
            action="loan.repaid",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "transaction": txn.public_id},
        )
        events.publish(
            RepaymentPosted(
                customer_id=loan.customer_id,
                loan_id=loan.public_id,
                amount=amount,
                transaction_id=txn.public_id,
                source_ref=source_ref,
                business_date=business_date,
            )
        )
    return txn


def _settle(
    *,
    actor: Actor,
    loan: Loan,
    line: CreditLine,
    cash: int,
    business_date: dt.date,
    kind: str,
    source_ref: str | None,
) -> LoanTransaction:
    """Pay what is due from ``cash`` plus the loan's held credit; post and record it."""
    instalments = live_instalments(loan)
    dues = dues_on(loan, instalments, business_date)
    held = loan.unapplied_balance
    order = loan.product_version.terms().allocation_order
    allocation = allocate_dues(dues, cash + held, order)
    applied = apply_allocation(loan, dues, allocation, business_date)
    loan.unapplied_balance = allocation.unapplied
    refresh_delinquency(loan, instalments)
    release_principal(line, applied.principal)
    if nothing_owed(loan):
        close_loan(loan, instalments, business_date)
    save_versioned(loan, LOAN_STATE_FIELDS)
    return postings.record_payment(
        actor=actor,
        loan=loan,
        kind=kind,
        business_date=business_date,
        cash_in=cash,
        applied=applied,
        unapplied_change=loan.unapplied_balance - held,
        source_ref=source_ref,
    )


def apply_unapplied_receipts(
    *, actor: Actor, loan_ids: Iterable[int | str], business_date: dt.date
) -> int:
    """Use held overpayments of ``loan_ids`` (primary keys or public ids) for what is now due.

    For end of day after it marked instalments due. Each loan is its own transaction; a loan
    with no credit, nothing due or not active is skipped, so running it twice changes nothing.
    Returns how many loans had money applied.
    """
    actor.require(PERM_RECORD_PAYMENT)
    keys = list(loan_ids)
    pks = [k for k in keys if isinstance(k, int)]
    public_ids = [k for k in keys if isinstance(k, str)]
    candidates = Loan.objects.filter(status=Loan.Status.ACTIVE, unapplied_balance__gt=0).filter(
        Q(pk__in=pks) | Q(public_id__in=public_ids)
    )
    applied_count = 0
    for public_id in candidates.order_by("pk").values_list("public_id", flat=True):
        with transaction.atomic():
            loan, line = lock_loan_and_line(actor, public_id)
            if loan.status != Loan.Status.ACTIVE or loan.unapplied_balance == 0:
                continue
            if dues_on(loan, live_instalments(loan), business_date).total == 0:
                continue
            before = snapshot(loan, LOAN_AUDIT_FIELDS)
            txn = _settle(
                actor=actor,
                loan=loan,
                line=line,
                cash=0,
                business_date=business_date,
                kind=LoanTransaction.Kind.UNAPPLIED_APPLIED,
                source_ref=None,
            )
            record_audit(
                actor=actor,
                action="loan.unapplied_applied",
                object_type="loan",
                object_id=loan.public_id,
                before=before,
                after={**snapshot(loan, LOAN_AUDIT_FIELDS), "transaction": txn.public_id},
            )
            applied_count += 1
    return applied_count


def refund_unapplied(
    *, actor: Actor, loan_id: str, amount: int, source_ref: str | None = None
) -> LoanTransaction:
    """Pay ``amount`` of the loan's held overpayment back to the borrower: Dr 2241 / Cr 1002.

    Posted when the bank reports the refund order paid (payments, a system actor); staff ask
    for a refund by creating that order, never by posting it here."""
    if actor.kind != "system":
        raise PermissionDenied(
            _("A refund is posted when the bank reports its payment order paid."),
            code="bank_result_required",
            fields={"loan_id": loan_id},
        )
    check_positive_amount(amount)
    if source_ref is not None:
        source_ref = clean_source_ref(source_ref)
    with transaction.atomic():
        loan, _line = lock_loan_and_line(actor, loan_id)
        if source_ref is not None:
            recorded = replay_if_recorded(
                source_ref, loan=loan, kind=LoanTransaction.Kind.REFUND, amount=amount
            )
            if recorded is not None:
                return recorded
        if amount > loan.unapplied_balance:
            raise BusinessRuleViolation(
                _("The loan holds only %(held)s fen of unapplied receipts.")
                % {"held": loan.unapplied_balance},
                code="amount_above_unapplied",
                fields={"amount": str(amount)},
            )
        before = snapshot(loan, LOAN_AUDIT_FIELDS)
        loan.unapplied_balance -= amount
        save_versioned(loan, ["unapplied_balance"])
        txn = postings.record_refund(
            actor=actor,
            loan=loan,
            business_date=get_business_date(),
            amount=amount,
            source_ref=source_ref,
        )
        record_audit(
            actor=actor,
            action="loan.unapplied_refunded",
            object_type="loan",
            object_id=loan.public_id,
            before=before,
            after={**snapshot(loan, LOAN_AUDIT_FIELDS), "transaction": txn.public_id},
        )
    return txn
