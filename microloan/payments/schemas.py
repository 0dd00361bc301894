"""API shapes of payments: inputs refuse unknown fields; money is a yuan string ``"1234.56"``
both ways, as everywhere in the API (an integer amount is refused with 422 naming the field);
cards only masked."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictStr

from microloan.kernel.money import to_yuan_str

from .models import PaymentEvent, PaymentOrder, SettlementBreak

MONEY = Field(max_length=24, description='Yuan with at most two decimals, e.g. "1234.56".')


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class RepaymentIn(Input):
    amount: StrictStr = MONEY


class PrepaymentIn(Input):
    amount: StrictStr = MONEY
    mode: Literal["shorten_term", "lower_instalment"] | None = None


class PayoffIn(Input):
    """Empty: the payoff amount is the server's quote of the day, not the caller's."""


class RefundIn(Input):
    amount: StrictStr = MONEY


class ResolveIn(Input):
    resolution: str = Field(min_length=1, max_length=1000)


class OrderOut(Schema):
    id: str
    kind: str
    status: str
    customer_id: str
    loan_id: str
    amount: str
    prepayment_mode: str
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
            "amount": to_yuan_str(order.amount),
            "prepayment_mode": order.prepayment_mode,
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


def _yuan_or_none(fen: int | None) -> str | None:
    return None if fen is None else to_yuan_str(fen)


class BreakOut(Schema):
    id: str
    run_id: str
    business_date: dt.date
    kind: str
    order_id: str
    our_amount: str | None
    their_amount: str | None
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
            "our_amount": _yuan_or_none(item.our_amount),
            "their_amount": _yuan_or_none(item.their_amount),
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
