"""Payment orders: create, send, take the bank's result, and post it to lending exactly once.

State machine::

    created ──send──▶ sent ──ack──▶ pending ──callback / status query──▶ succeeded | failed
       │                │  (ack lost: stays sent until a status query answers)
       └─refused before sending (loan no longer pending, line frozen, card gone)──▶ failed
       └─loan cancelled meanwhile──▶ cancelled

The result is applied under the order's row lock, and only while the order is not final, so a
second callback, a late callback after a status query, or two workers racing all find the
order final and post nothing. Lending is idempotent as well (``repay`` on ``source_ref`` = the
order's public id; ``disburse_loan`` only on a pending loan): two guards, one posting.

Money never leaves twice: a send that timed out stays ``sent`` and only a status query moves
it on. Only when the bank says it never heard of the order id is the same id sent again (the
bank books an id once), up to ``PAYMENTS_MAX_ATTEMPTS`` sends.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.models import Customer
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    DomainError,
    NotFound,
    ValidationFailed,
)
from microloan.kernel.ids import new_public_id
from microloan.kernel.masking import mask_card
from microloan.kernel.money import to_yuan_str
from microloan.kernel.services import get_business_date
from microloan.kernel.sql import select_one
from microloan.lending.models import CreditLine, Loan
from microloan.lending.schedules import ReamortisationMode
from microloan.lending.services import drawdowns, prepayments, quotes, repayments

from .. import conf
from ..channels import (
    ChannelTimeout,
    ChannelUnavailable,
    PaymentChannel,
    PaymentInstruction,
    get_channel,
)
from ..models import FINAL_STATUSES, OPEN_AT_BANK, ORDER_ID_PREFIX, PaymentEvent, PaymentOrder
from ..signing import payload_sha256

logger = logging.getLogger(__name__)

SYSTEM = Actor.system("payments")
PERM_VIEW = "payments.view_paymentorder"
PERM_CHANGE = "payments.change_paymentorder"
DISBURSEMENT_PURPOSE = "disbursement"
ORDER_AUDIT_FIELDS = ("kind", "status", "amount", "loan_id", "channel_ref", "failure_code")
Status = PaymentOrder.Status
Kind = PaymentOrder.Kind


def order_not_found(order_id: str) -> NotFound:
    return NotFound(
        _("No such payment order."), code="order_not_found", fields={"order_id": order_id}
    )


def _snapshot(order: PaymentOrder) -> dict:
    return {name: getattr(order, name) for name in ORDER_AUDIT_FIELDS}


def log_event(
    order: PaymentOrder,
    kind: str,
    *,
    actor: Actor = SYSTEM,
    reported_status: str = "",
    body: bytes = b"",
    **detail,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        order=order,
        kind=kind,
        reported_status=reported_status,
        payload_sha256=payload_sha256(body) if body else "",
        detail={key: str(value) for key, value in detail.items()},
        actor_id=actor.label,
    )


def lock_order(order_id: str) -> PaymentOrder:
    # Prepared SQL: every send and every bank answer locks its order.
    order = select_one(PaymentOrder, '"public_id" = %s', [str(order_id)[:60]], lock=True)
    if order is None:
        raise order_not_found(order_id)
    return order


def _card_of(customer_id: str) -> tuple[str, str]:
    """(masked card, blind index) of the customer's bank card; ("", "") if unknown."""
    customer = select_one(
        Customer, '"public_id" = %s', [customer_id], fields=("bank_card_number", "bank_card_index")
    )
    if customer is None:
        return "", ""
    return mask_card(customer.bank_card_number), customer.bank_card_index


# --- creating orders ---------------------------------------------------------------------


def _create_order(
    *,
    actor: Actor,
    kind: str,
    loan: Loan,
    amount: int,
    purpose_key: str,
    audit_extra: dict,
    prepayment_mode: str = "",
) -> tuple[PaymentOrder, bool]:
    """The order for (kind, loan, purpose): the existing one, or a new one (True)."""
    existing = PaymentOrder.objects.filter(
        kind=kind, loan_id=loan.public_id, purpose_key=purpose_key
    ).first()
    if existing is not None:
        return existing, False
    card_masked, card_index = _card_of(loan.customer_id)
    try:
        with transaction.atomic():
            order = PaymentOrder.objects.create(
                public_id=new_public_id(ORDER_ID_PREFIX),
                kind=kind,
                customer_id=loan.customer_id,
                loan_id=loan.public_id,
                purpose_key=purpose_key,
                amount=amount,
                prepayment_mode=prepayment_mode,
                card_masked=card_masked,
                card_index=card_index,
                channel=conf.channel_name(),
                business_date=get_business_date(),
            )
    except IntegrityError:  # a concurrent duplicate won the unique (kind, loan, purpose)
        return PaymentOrder.objects.get(
            kind=kind, loan_id=loan.public_id, purpose_key=purpose_key
        ), False
    log_event(order, PaymentEvent.Kind.CREATED, actor=actor, **audit_extra)
    record_audit(
        actor=actor,
        action="payment_order.created",
        object_type="payment_order",
        object_id=order.public_id,
        after={**_snapshot(order), **audit_extra},
    )
    return order, True


def create_disbursement_order(*, actor: Actor, loan_id: str, contract_id: str = "") -> PaymentOrder:
    """The disbursement order of a pending loan, created once however often it is asked for.

    Runs in the caller's transaction (the "contract.signed" subscriber: the contract's); the
    order is sent after that transaction commits.
    """
    actor.require(PERM_CHANGE)
    with transaction.atomic():
        loan = Loan.objects.filter(public_id=str(loan_id)[:60]).first()
        if loan is None:
            raise NotFound(_("No such loan."), code="loan_not_found", fields={"loan_id": loan_id})
        existing = PaymentOrder.objects.filter(
            kind=Kind.DISBURSEMENT, loan_id=loan.public_id, purpose_key=DISBURSEMENT_PURPOSE
        ).first()
        if existing is not None:
            return existing
        if loan.status != Loan.Status.PENDING_DISBURSEMENT:
            raise Conflict(
                _("The loan is not waiting for disbursement."),
                code="loan_not_pending",
                fields={"loan_id": loan.public_id, "status": loan.status},
            )
        order, created = _create_order(
            actor=actor,
            kind=Kind.DISBURSEMENT,
            loan=loan,
            amount=loan.principal,
            purpose_key=DISBURSEMENT_PURPOSE,
            audit_extra={"contract_id": contract_id} if contract_id else {},
        )
        if created:
            send_after_commit([order.public_id])
    return order


def _refuse_bad_amount(amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(
            code="invalid_amount", fields={"amount": _("The amount must be more than zero.")}
        )


def _collection_order(
    *, actor: Actor, kind: str, loan_id: str, amount, purpose_key: str, mode: str = ""
) -> PaymentOrder:
    """A debit of the borrower's card on their own active loan, sent after commit.

    ``amount`` is fen, or a callable of the locked loan giving it (a payoff: the server's
    quote). ``purpose_key`` identifies the request (the API passes the caller and
    Idempotency-Key), so the same request twice finds the first order.
    """
    if actor.kind != "borrower":
        actor.require(PERM_CHANGE)
    with transaction.atomic():
        loan = Loan.objects.filter(public_id=str(loan_id)[:60]).first()
        if loan is None or (actor.kind == "borrower" and loan.customer_id != actor.id):
            raise NotFound(_("No such loan."), code="loan_not_found", fields={"loan_id": loan_id})
        if loan.status != Loan.Status.ACTIVE:
            raise Conflict(
                _("This loan cannot take repayments."),
                code="loan_not_repayable",
                fields={"loan_id": loan.public_id, "status": loan.status},
            )
        if callable(amount):
            amount = amount(loan)
        owed = loan.principal_outstanding + loan.interest_receivable + loan.penalty_receivable
        if kind != Kind.PAYOFF and amount > owed:
            raise BusinessRuleViolation(
                _("The amount is more than the loan owes."),
                code="amount_above_owed",
                fields={"amount": to_yuan_str(owed)},
            )
        order, created = _create_order(
            actor=actor,
            kind=kind,
            loan=loan,
            amount=amount,
            purpose_key=purpose_key[:120],
            audit_extra={"prepayment_mode": mode} if mode else {},
            prepayment_mode=mode,
        )
        if not created and (order.amount, order.prepayment_mode) != (amount, mode):
            raise Conflict(
                _("This request was already made with a different amount."),
                code="purpose_reused",
            )
        if created:
            send_after_commit([order.public_id])
    return order


def create_repayment_order(
    *, actor: Actor, loan_id: str, amount: int, purpose_key: str
) -> PaymentOrder:
    """A repayment of ``amount`` fen: what is due first, the rest held (``repayments.repay``)."""
    _refuse_bad_amount(amount)
    return _collection_order(
        actor=actor, kind=Kind.COLLECTION, loan_id=loan_id, amount=amount, purpose_key=purpose_key
    )


def create_prepayment_order(
    *, actor: Actor, loan_id: str, amount: int, purpose_key: str, mode: str | None = None
) -> PaymentOrder:
    """A prepayment of ``amount`` fen, posted by ``prepayments.prepay`` with ``mode`` once the
    bank reports it paid."""
    _refuse_bad_amount(amount)
    if mode is not None and mode not in tuple(ReamortisationMode):
        raise ValidationFailed(
            code="invalid_mode", fields={"mode": _("Use shorten_term or lower_instalment.")}
        )
    return _collection_order(
        actor=actor,
        kind=Kind.PREPAYMENT,
        loan_id=loan_id,
        amount=amount,
        purpose_key=purpose_key,
        mode=mode or "",
    )


def _payoff_amount(loan: Loan) -> int:
    """Today's payoff quote: the server decides what settles the loan, not the caller."""
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=get_business_date())
    if quote.total <= 0:
        raise Conflict(
            _("The credit the loan holds already covers the payoff; ask staff to settle it."),
            code="nothing_to_pay",
            fields={"loan_id": loan.public_id},
        )
    return quote.total


def create_payoff_order(*, actor: Actor, loan_id: str, purpose_key: str) -> PaymentOrder:
    """A debit of today's payoff quote, posted by ``prepayments.payoff`` when the bank pays."""
    return _collection_order(
        actor=actor,
        kind=Kind.PAYOFF,
        loan_id=loan_id,
        amount=_payoff_amount,
        purpose_key=purpose_key,
    )


def create_refund_order(
    *, actor: Actor, loan_id: str, amount: int, purpose_key: str
) -> PaymentOrder:
    """Pay ``amount`` fen of the loan's held overpayment back to the borrower's card. The loan's
    credit falls when the bank reports the order paid (``repayments.refund_unapplied``), never
    on a person's word; orders not yet final count against what the loan holds."""
    actor.require_staff()
    actor.require(PERM_CHANGE, repayments.PERM_REFUND)
    _refuse_bad_amount(amount)
    with transaction.atomic():
        loan = Loan.objects.select_for_update().filter(public_id=str(loan_id)[:60]).first()
        if loan is None:
            raise NotFound(_("No such loan."), code="loan_not_found", fields={"loan_id": loan_id})
        open_refunds = PaymentOrder.objects.filter(
            kind=Kind.REFUND, loan_id=loan.public_id
        ).exclude(status__in=FINAL_STATUSES)
        refundable = loan.unapplied_balance - sum(o.amount for o in open_refunds)
        existing = PaymentOrder.objects.filter(
            kind=Kind.REFUND, loan_id=loan.public_id, purpose_key=purpose_key[:120]
        ).first()
        if existing is None and amount > refundable:
            raise BusinessRuleViolation(
                _("The loan holds only %(held)s yuan that is not being refunded already.")
                % {"held": to_yuan_str(max(refundable, 0))},
                code="amount_above_unapplied",
                fields={"amount": to_yuan_str(max(refundable, 0))},
            )
        order, created = _create_order(
            actor=actor,
            kind=Kind.REFUND,
            loan=loan,
            amount=amount,
            purpose_key=purpose_key[:120],
            audit_extra={},
        )
        if not created and order.amount != amount:
            raise Conflict(
                _("This request was already made with a different amount."),
                code="purpose_reused",
            )
        if created:
            send_after_commit([order.public_id])
    return order


# --- sending -----------------------------------------------------------------------------


def send_after_commit(order_ids: list[str], *, inline_allowed: bool = True) -> None:
    """Send ``order_ids`` once the current transaction commits (``PAYMENTS_DISPATCH``)."""
    mode = conf.dispatch_mode()
    if mode == "sweep" or not order_ids:
        return
    ids = list(order_ids)
    if mode == "inline" and inline_allowed:
        transaction.on_commit(lambda: send_orders(ids))
    elif mode in ("task", "inline"):
        from ..tasks import send_payment_orders

        transaction.on_commit(lambda: send_payment_orders.enqueue(order_ids=ids))


def send_orders(order_ids: list[str], *, channel: PaymentChannel | None = None) -> int:
    """Send each order; a failure of one is logged and left for the sweep. Returns sends."""
    channel = channel or get_channel()
    sent = 0
    for order_id in order_ids:
        try:
            send_order(order_id=order_id, channel=channel)
            sent += 1
        except Exception:  # the caller committed already; the sweep retries this order
            logger.exception("payment order %s could not be sent", order_id)
    return sent


def _refusal_before_send(order: PaymentOrder) -> tuple[str, str] | None:
    """(new status, code) when the order must not go to the bank at all."""
    loan = select_one(Loan, '"public_id" = %s', [order.loan_id], fields=("status", "line_id"))
    if loan is None:
        return Status.FAILED, "loan_not_found"
    if order.kind == Kind.DISBURSEMENT:
        if loan.status != Loan.Status.PENDING_DISBURSEMENT:
            return Status.CANCELLED, "loan_not_pending"
        line = select_one(CreditLine, '"id" = %s', [loan.line_id], fields=("status",))
        if line.status in (CreditLine.Status.FROZEN, CreditLine.Status.CLOSED):
            return Status.FAILED, f"line_{line.status}"
    elif order.kind == Kind.REFUND:
        pass  # a closed loan may hold credit too; what it holds is checked when it posts
    elif loan.status != Loan.Status.ACTIVE:
        return Status.CANCELLED, "loan_not_repayable"
    if not order.card_index:
        return Status.FAILED, "card_missing"
    return None


def _card_number(order: PaymentOrder) -> str | None:
    """The plain card number to send, if the customer's card is still the order's card."""
    customer = select_one(
        Customer,
        '"public_id" = %s',
        [order.customer_id],
        fields=("bank_card_number", "bank_card_index"),
    )
    if customer is None or customer.bank_card_index != order.card_index:
        return None
    return customer.bank_card_number


def send_order(*, order_id: str, channel: PaymentChannel | None = None) -> PaymentOrder:
    """Send one ``created`` order to the bank (anything else: returned unchanged)."""
    channel = channel or get_channel()
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status != Status.CREATED:
            return order
        refusal = _refusal_before_send(order)
        card = None if refusal else _card_number(order)
        if refusal is None and card is None:
            refusal = (Status.FAILED, "card_changed")
        if refusal is not None:
            status, code = refusal
            _close(order, status=status, code=code, actor=SYSTEM)
            return order
        order.status = Status.SENT
        order.attempts += 1
        order.sent_at = timezone.now()
        order.card_masked = mask_card(card)
        order.save(update_fields=["status", "attempts", "sent_at", "card_masked", "updated_at"])
        log_event(order, PaymentEvent.Kind.SEND, attempt=order.attempts)
        instruction = PaymentInstruction(
            order_id=order.public_id,
            direction=order.direction,
            amount=order.amount,
            card_number=card,
            business_date=order.business_date,
        )
    try:
        ack = channel.send_payment(instruction)
    except ChannelTimeout:
        with transaction.atomic():
            order = lock_order(order_id)
            log_event(order, PaymentEvent.Kind.SEND_ERROR, error="timeout")
        return order
    except ChannelUnavailable as error:
        return _not_received(order_id, reason=f"unavailable: {error}"[:200])
    with transaction.atomic():
        order = lock_order(order_id)
        log_event(
            order,
            PaymentEvent.Kind.ACK,
            reported_status="accepted" if ack.accepted else "rejected",
            channel_ref=ack.channel_ref,
        )
        if not ack.accepted:
            apply_bank_result(order, status="failed", failure_code=ack.failure_code or "rejected")
        elif order.status == Status.SENT:
            order.status = Status.PENDING
            order.channel_ref = ack.channel_ref
            order.save(update_fields=["status", "channel_ref", "updated_at"])
    return order


def _not_received(order_id: str, *, reason: str) -> PaymentOrder:
    """The bank certainly has not got the order: send the same id again later, or give up."""
    with transaction.atomic():
        order = lock_order(order_id)
        log_event(order, PaymentEvent.Kind.SEND_ERROR, error=reason)
        if order.status == Status.SENT:
            if order.attempts < conf.max_attempts():
                order.status = Status.CREATED
                order.save(update_fields=["status", "updated_at"])
            else:
                _close(order, status=Status.FAILED, code="not_received", actor=SYSTEM)
    return order


# --- results -----------------------------------------------------------------------------


def apply_bank_result(
    order: PaymentOrder,
    *,
    status: str,
    channel_ref: str = "",
    failure_code: str = "",
    actor: Actor = SYSTEM,
) -> bool:
    """Apply the bank's word on a locked order; False when the order was final already."""
    if order.is_final:
        return False
    if channel_ref and not order.channel_ref:
        order.channel_ref = channel_ref[:64]
    if status == "pending":
        order.status = Status.PENDING
        order.save(update_fields=["status", "channel_ref", "updated_at"])
        return True
    if status == "succeeded":
        before = _snapshot(order)
        order.status = Status.SUCCEEDED
        order.completed_at = timezone.now()
        order.save(update_fields=["status", "channel_ref", "completed_at", "updated_at"])
        _post_success(order)
        record_audit(
            actor=actor,
            action="payment_order.succeeded",
            object_type="payment_order",
            object_id=order.public_id,
            before=before,
            after={**_snapshot(order), "posted_ref": order.posted_ref},
        )
        return True
    if status == "failed":
        order.save(update_fields=["channel_ref", "updated_at"])
        _close(order, status=Status.FAILED, code=failure_code or "failed", actor=actor)
        return True
    raise ValueError(f"not a bank result: {status!r}")


def _post_success(order: PaymentOrder) -> None:
    """Post the money that moved. A lending refusal (the loan changed meanwhile) leaves the
    order succeeded with ``posting_error`` for staff: the money did move."""
    on = get_business_date()
    try:
        with transaction.atomic():
            if order.kind == Kind.DISBURSEMENT:
                drawdowns.disburse_loan(actor=SYSTEM, loan_id=order.loan_id, business_date=on)
                order.posted_ref = order.loan_id
            elif order.kind == Kind.REFUND:
                txn = repayments.refund_unapplied(
                    actor=SYSTEM,
                    loan_id=order.loan_id,
                    amount=order.amount,
                    source_ref=order.public_id,
                )
                order.posted_ref = txn.public_id
            else:
                order.posted_ref = _post_collection(order, on).public_id
    except DomainError as refusal:
        order.posting_error = refusal.code[:64]
        order.save(update_fields=["posting_error", "updated_at"])
        log_event(order, PaymentEvent.Kind.POSTING_REFUSED, code=refusal.code)
        return
    order.save(update_fields=["posted_ref", "updated_at"])
    log_event(order, PaymentEvent.Kind.POSTED, posted_ref=order.posted_ref, business_date=on)


def _post_collection(order: PaymentOrder, on: dt.date):
    """Post money received: a prepayment or payoff by its lending service; when that refuses
    (the quote grew since the order was made, the prepayment no longer reaches past what is
    due) the money is still the borrower's and posts as a plain repayment, the rest held."""
    common = {"actor": SYSTEM, "loan_id": order.loan_id, "business_date": on}
    if order.kind in (Kind.PREPAYMENT, Kind.PAYOFF):
        try:
            with transaction.atomic():
                if order.kind == Kind.PAYOFF:
                    return prepayments.payoff(
                        **common, amount=order.amount, source_ref=order.public_id
                    )
                return prepayments.prepay(
                    **common,
                    amount=order.amount,
                    source_ref=order.public_id,
                    mode=order.prepayment_mode or None,
                )
        except (BusinessRuleViolation, ValidationFailed) as refusal:
            log_event(order, PaymentEvent.Kind.POSTING_REFUSED, code=refusal.code)
    return repayments.repay(**common, amount=order.amount, source_ref=order.public_id)


def _close(order: PaymentOrder, *, status: str, code: str, actor: Actor) -> None:
    """Fail or cancel an order; a failed disbursement cancels its loan (the line's available
    amount comes back) and announces "disbursement.failed"."""
    before = _snapshot(order)
    order.status = status
    order.failure_code = code[:64]
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "failure_code", "completed_at", "updated_at"])
    log_event(
        order,
        PaymentEvent.Kind.FAILED if status == Status.FAILED else PaymentEvent.Kind.CANCELLED,
        actor=actor,
        code=code,
    )
    if order.kind == Kind.DISBURSEMENT and status == Status.FAILED:
        _cancel_loan(order, code)
        events.publish(
            "disbursement.failed",
            customer_id=order.customer_id,
            loan_id=order.loan_id,
            order_id=order.public_id,
            reason_code=order.failure_code,
        )
    record_audit(
        actor=actor,
        action=f"payment_order.{status}",
        object_type="payment_order",
        object_id=order.public_id,
        before=before,
        after=_snapshot(order),
    )


def close_unsent_order(order: PaymentOrder, *, code: str) -> None:
    """Cancel an order the bank never received (its loan was cancelled); call under its lock."""
    _close(order, status=Status.CANCELLED, code=code, actor=SYSTEM)


def _cancel_loan(order: PaymentOrder, code: str) -> None:
    try:
        with transaction.atomic():
            drawdowns.cancel_pending_loan(
                actor=SYSTEM, loan_id=order.loan_id, reason=f"disbursement failed: {code}"
            )
    except DomainError as refusal:  # no longer pending: nothing to give back
        log_event(order, PaymentEvent.Kind.POSTING_REFUSED, code=refusal.code)


# --- status queries ----------------------------------------------------------------------


def query_order_status(
    *, actor: Actor, order_id: str, channel: PaymentChannel | None = None
) -> PaymentOrder:
    """Ask the bank about the order now and apply what it says (staff or the sweep)."""
    actor.require_staff()
    actor.require(PERM_CHANGE)
    order = PaymentOrder.objects.filter(public_id=str(order_id)[:60]).first()
    if order is None:
        raise order_not_found(order_id)
    if order.status == Status.CREATED:
        raise Conflict(
            _("The order has not been sent yet."),
            code="order_not_sent",
            fields={"order_id": order.public_id},
        )
    channel = channel or get_channel(order.channel)
    try:
        answer = channel.query_status(order.public_id)
    except (ChannelTimeout, ChannelUnavailable) as error:
        raise BusinessRuleViolation(
            _("The bank could not be reached. Try again later."),
            code="channel_unavailable",
            fields={"channel": order.channel},
        ) from error
    with transaction.atomic():
        order = lock_order(order_id)
        order.queries += 1
        order.last_query_at = timezone.now()
        order.save(update_fields=["queries", "last_query_at", "updated_at"])
        log_event(
            order,
            PaymentEvent.Kind.STATUS_QUERY,
            actor=actor,
            reported_status=answer.status,
            channel_ref=answer.channel_ref,
        )
        if answer.status == "unknown":
            if order.status == Status.SENT:
                order = _requeue_unreceived(order)
        elif answer.status in ("pending", "succeeded", "failed"):
            if answer.amount is not None and answer.amount != order.amount:
                log_event(order, PaymentEvent.Kind.SEND_ERROR, error="amount_mismatch")
            else:
                apply_bank_result(
                    order,
                    status=answer.status,
                    channel_ref=answer.channel_ref,
                    failure_code=answer.failure_code,
                    actor=actor,
                )
    return order


def _requeue_unreceived(order: PaymentOrder) -> PaymentOrder:
    if order.attempts < conf.max_attempts():
        order.status = Status.CREATED
        order.save(update_fields=["status", "updated_at"])
    else:
        _close(order, status=Status.FAILED, code="not_received", actor=SYSTEM)
    return order


def orders_due_for_query(now: dt.datetime | None = None, limit: int = 500) -> list[str]:
    """Orders at the bank with no answer for ``PAYMENTS_STATUS_QUERY_AFTER_SECONDS``."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=conf.status_query_after_seconds())
    candidates = PaymentOrder.objects.filter(status__in=OPEN_AT_BANK, updated_at__lte=cutoff)
    return list(candidates.order_by("id").values_list("public_id", flat=True)[:limit])
