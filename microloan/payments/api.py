"""Payments API (mounted at /api/v1/payments/): the bank's callback, the borrower's orders and
repayments, staff order and break handling.

``POST /callbacks/{channel}`` has no token: the bank proves itself with the HMAC-SHA256
signature of the raw body in ``X-Signature`` (401 ``bad_signature`` otherwise).

The borrower's only way to pay: ``/me/loans/{id}/repayments``, ``/prepayments`` and ``/payoff``
each create a payment order debiting their card; the loan changes only when the bank reports
the order paid (callback or status query). The order's purpose key is the caller and
Idempotency-Key, so the order table refuses the same request twice even past the idempotency
layer. Money is a yuan string ``"1234.56"`` both ways.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from microloan.api.auth import borrower_auth, staff_auth
from microloan.api.idempotency import KEY_HEADER, idempotent
from microloan.kernel.input_types import ApiDate, PageNumber, PageSize
from microloan.kernel.money import parse_yuan
from microloan.kernel.pagination import page_of

from .schemas import (
    BreakOut,
    BreakPage,
    CallbackOut,
    EventOut,
    OrderDetailOut,
    OrderOut,
    OrderPage,
    PayoffIn,
    PrepaymentIn,
    RefundIn,
    RepaymentIn,
    ResolveIn,
)
from .services import callbacks, orders, queries, reconcile
from .signing import SIGNATURE_HEADER

router = Router(tags=["payments"])

VIEW_ORDER = "payments.view_paymentorder"
CHANGE_ORDER = "payments.change_paymentorder"
VIEW_BREAK = "payments.view_settlementbreak"
CHANGE_BREAK = "payments.change_settlementbreak"
REFUND = "lending.refund_unapplied"


class OrderFilters(Schema):
    status: str | None = None
    kind: str | None = None
    customer_id: str | None = None
    loan_id: str | None = None
    business_date: ApiDate | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class BreakFilters(Schema):
    status: str | None = "open"
    kind: str | None = None
    business_date: ApiDate | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


def _detail(order, events) -> dict:
    return {**OrderOut.of(order), "events": [EventOut.of(event) for event in events]}


# --- the bank ------------------------------------------------------------------------------


@router.post("/callbacks/{channel}", auth=None, response=CallbackOut)
def bank_callback(request: HttpRequest, channel: str):
    return callbacks.receive_callback(
        channel=channel,
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    )


# --- borrower ------------------------------------------------------------------------------


@router.get("/me/orders", auth=borrower_auth, response=OrderPage)
def my_orders(request, status: str | None = None, page: PageNumber = 1, page_size: PageSize = 50):
    found = queries.list_orders(actor=request.auth, status=status, page=page, page_size=page_size)
    return page_of(found, OrderOut.of)


def _purpose(request: HttpRequest) -> str:
    key = request.headers.get(KEY_HEADER, "")
    return f"api:{request.auth.label}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


@router.post(
    "/me/loans/{loan_id}/repayments",
    auth=borrower_auth,
    response={201: OrderOut},
    description="Debit my card for a repayment; it posts when the bank reports it paid.",
)
@idempotent
def my_repayment(request, loan_id: str, payload: RepaymentIn):
    order = orders.create_repayment_order(
        actor=request.auth,
        loan_id=loan_id,
        amount=parse_yuan(payload.amount),
        purpose_key=_purpose(request),
    )
    return Status(201, OrderOut.of(order))


@router.post(
    "/me/loans/{loan_id}/prepayments",
    auth=borrower_auth,
    response={201: OrderOut},
    description="Debit my card to prepay principal (with the re-amortisation mode); it posts "
    "when the bank reports it paid.",
)
@idempotent
def my_prepayment(request, loan_id: str, payload: PrepaymentIn):
    order = orders.create_prepayment_order(
        actor=request.auth,
        loan_id=loan_id,
        amount=parse_yuan(payload.amount),
        purpose_key=_purpose(request),
        mode=payload.mode,
    )
    return Status(201, OrderOut.of(order))


@router.post(
    "/me/loans/{loan_id}/payoff",
    auth=borrower_auth,
    response={201: OrderOut},
    description="Debit my card for today's payoff quote (the server's amount); the loan "
    "closes when the bank reports it paid.",
)
@idempotent
def my_payoff(request, loan_id: str, payload: PayoffIn):
    order = orders.create_payoff_order(
        actor=request.auth, loan_id=loan_id, purpose_key=_purpose(request)
    )
    return Status(201, OrderOut.of(order))


# --- staff ---------------------------------------------------------------------------------


@router.get("/orders", auth=staff_auth(VIEW_ORDER), response=OrderPage)
def list_orders(request, filters: Query[OrderFilters]):
    return page_of(queries.list_orders(actor=request.auth, **filters.dict()), OrderOut.of)


@router.get("/orders/{order_id}", auth=staff_auth(VIEW_ORDER), response=OrderDetailOut)
def get_order(request, order_id: str):
    return _detail(*queries.order_detail(actor=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/query", auth=staff_auth(CHANGE_ORDER), response=OrderDetailOut)
def query_order(request, order_id: str):
    orders.query_order_status(actor=request.auth, order_id=order_id)
    return _detail(*queries.order_detail(actor=request.auth, order_id=order_id))


@router.post(
    "/loans/{loan_id}/refunds",
    auth=staff_auth(CHANGE_ORDER, REFUND),
    response={201: OrderOut},
    description="Pay part of a loan's held overpayment back to the borrower's card; the loan's "
    "credit falls when the bank reports the order paid.",
)
@idempotent
def refund(request, loan_id: str, payload: RefundIn):
    order = orders.create_refund_order(
        actor=request.auth,
        loan_id=loan_id,
        amount=parse_yuan(payload.amount),
        purpose_key=_purpose(request),
    )
    return Status(201, OrderOut.of(order))


@router.get("/breaks", auth=staff_auth(VIEW_BREAK), response=BreakPage)
def list_breaks(request, filters: Query[BreakFilters]):
    return page_of(queries.list_breaks(actor=request.auth, **filters.dict()), BreakOut.of)


@router.post("/breaks/{break_id}/resolve", auth=staff_auth(CHANGE_BREAK), response=BreakOut)
def resolve_break(request, break_id: str, payload: ResolveIn):
    item = reconcile.resolve_break(
        actor=request.auth, break_id=break_id, resolution=payload.resolution
    )
    return BreakOut.of(item)
