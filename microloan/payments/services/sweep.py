"""The payments sweep (a worker loop, the ``payments process`` command, after end of day):
send what is waiting, let a simulated bank call back, query what the bank left unanswered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ..channels import PaymentChannel, get_channel
from ..models import PaymentOrder
from .orders import SYSTEM, orders_due_for_query, query_order_status, send_orders

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class SweepReport:
    sent: int
    callbacks: int
    queried: int


def process_orders(
    *,
    now: dt.datetime | None = None,
    limit: int = DEFAULT_BATCH,
    channel: PaymentChannel | None = None,
) -> SweepReport:
    """One pass: send up to ``limit`` created orders, deliver due simulator callbacks, then
    query orders at the bank unanswered for longer than the configured wait."""
    channel = channel or get_channel()
    created = PaymentOrder.objects.filter(status=PaymentOrder.Status.CREATED).order_by("id")
    sent = send_orders(list(created.values_list("public_id", flat=True)[:limit]), channel=channel)
    callbacks = channel.deliver_due_callbacks()
    queried = 0
    for order_id in orders_due_for_query(now or timezone.now(), limit):
        query_order_status(actor=SYSTEM, order_id=order_id, channel=channel)
        queried += 1
    return SweepReport(sent=sent, callbacks=callbacks, queried=queried)
