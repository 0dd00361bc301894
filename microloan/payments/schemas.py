"""API shapes of payments: inputs refuse unknown fields; money is integer fen (a yuan string
beside it where people read it); cards only masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

from microloan.kernel.money import to_yuan_str

from .models import PaymentEvent, PaymentOrder, SettlementBreak

MAX_AMOUNT = 20_000_000  # 200,000.00 CNY, the consumer credit cap per borrower


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class RepaymentIn(Input):
    amount: StrictInt = Field(gt=0, le=MAX_AMOUNT, description="Fen, e.g. 120000 = 1200.00")


class ResolveIn(Input):
    resolution: str = Field(min_length=1, max_length=1000)


class OrderOut(Schema):
    id: str
    kind: str
    status: str
    customer_id: str
    loan_id: str
    amount: int
    amount_yuan: str
    card: str
    channel: str
    channel_ref: str
    attempts: int
    queries: int
    failure_code: str
    posting_error: str
    posted_ref: str
    business_date: dt.date
    sent_at: dt.datetime | None
    last_query_at: dt.datetime | None
    completed_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, order: PaymentOrder) -> dict[str, Any]:
        return {
            "id": order.public_id,
            "kind": order.kind,
            "status": order.status,
            "customer_id": order.customer_id,
            "loan_id": order.loan_id,
            "amount": order.amount,
            "amount_yuan": to_yuan_str(order.amount),
            "card": order.card_masked,
            "channel": order.channel,
            "channel_ref": order.channel_ref,
            "attempts": order.attempts,
            "queries": order.queries,
            "failure_code": order.failure_code,
            "posting_error": order.posting_error,
            "posted_ref": order.posted_ref,
            "business_date": order.business_date,
            "sent_at": order.sent_at,
            "last_query_at": order.last_query_at,
            "completed_at": order.completed_at,
            "created_at": order.created_at,
        }


class EventOut(Schema):
    kind: str
    reported_status: str
    payload_sha256: str
    detail: dict[str, str]
    actor: str
    at: dt.datetime

    @classmethod
    def of(cls, event: PaymentEvent) -> dict[str, Any]:
        return {
            "kind": event.kind,
            "reported_status": event.reported_status,
            "payload_sha256": event.payload_sha256,
            "detail": event.detail,
            "actor": event.actor_id,
            "at": event.created_at,
        }


class OrderDetailOut(OrderOut):
    events: list[EventOut]


class OrderPage(Schema):
    items: list[OrderOut]
    total: int
    page: int
    page_size: int


class BreakOut(Schema):
    id: str
    run_id: str
    business_date: dt.date
    kind: str
    order_id: str
    our_amount: int | None
    their_amount: int | None
    our_status: str
    their_status: str
    channel_ref: str
    status: str
    resolution: str
    resolved_by: str
    resolved_at: dt.datetime | None

    @classmethod
    def of(cls, item: SettlementBreak) -> dict[str, Any]:
        return {
            "id": item.public_id,
            "run_id": item.run.public_id,
            "business_date": item.business_date,
            "kind": item.kind,
            "order_id": item.order_id,
            "our_amount": item.our_amount,
            "their_amount": item.their_amount,
            "our_status": item.our_status,
            "their_status": item.their_status,
            "channel_ref": item.channel_ref,
            "status": item.status,
            "resolution": item.resolution,
            "resolved_by": item.resolved_by,
            "resolved_at": item.resolved_at,
        }


class BreakPage(Schema):
    items: list[BreakOut]
    total: int
    page: int
    page_size: int


class CallbackOut(Schema):
    order_id: str
    status: str
    duplicate: bool


def page_of(page, shape) -> dict[str, Any]:
    return {
        "items": [shape(item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }
