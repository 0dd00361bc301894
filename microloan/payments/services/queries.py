"""Read-only look-ups for the API and the back office. Borrowers see only their own orders."""

from __future__ import annotations

import datetime as dt

from microloan.kernel.actors import Actor
from microloan.kernel.pagination import DEFAULT_PAGE_SIZE, Page, paginate

from ..models import PaymentEvent, PaymentOrder, SettlementBreak
from .orders import PERM_VIEW, order_not_found
from .reconcile import PERM_VIEW_BREAK


def list_orders(
    *,
    actor: Actor,
    status: str | None = None,
    kind: str | None = None,
    customer_id: str | None = None,
    loan_id: str | None = None,
    business_date: dt.date | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    orders = PaymentOrder.objects.all()
    if actor.kind == "borrower":
        orders = orders.filter(customer_id=actor.id)
    else:
        actor.require(PERM_VIEW)
    exact = {
        "status": status,
        "kind": kind,
        "customer_id": customer_id,
        "loan_id": loan_id,
        "business_date": business_date,
    }
    orders = orders.filter(**{field: value for field, value in exact.items() if value})
    return paginate(orders.order_by("-id"), page, page_size)


def order_detail(*, actor: Actor, order_id: str) -> tuple[PaymentOrder, list[PaymentEvent]]:
    order = PaymentOrder.objects.filter(public_id=str(order_id)[:60]).first()
    if actor.kind == "borrower":
        if order is not None and order.customer_id != actor.id:
            order = None
    else:
        actor.require(PERM_VIEW)
    if order is None:
        raise order_not_found(order_id)
    return order, list(order.events.order_by("id"))


def list_breaks(
    *,
    actor: Actor,
    status: str | None = None,
    kind: str | None = None,
    business_date: dt.date | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    actor.require_staff()
    actor.require(PERM_VIEW_BREAK)
    breaks = SettlementBreak.objects.all()
    exact = {"status": status, "kind": kind, "business_date": business_date}
    breaks = breaks.filter(**{field: value for field, value in exact.items() if value})
    return paginate(breaks.order_by("-id"), page, page_size)
