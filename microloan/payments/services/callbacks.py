"""Bank callbacks: verify the signature, find the order, apply the result once.

Refusals post nothing: a bad or missing signature is 401 ``bad_signature``; an unknown order id
is 404 ``order_not_found``; a body that is not the expected JSON is 422. A callback for an order
already final is logged as a duplicate and answered 200, so the bank stops retrying.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed

from .. import conf
from ..channels import CHANNELS
from ..models import PaymentEvent
from ..signing import signature_valid
from .orders import apply_bank_result, lock_order, log_event

RESULT_STATUSES = ("pending", "succeeded", "failed")


def _bad_signature() -> NotAuthenticated:
    return NotAuthenticated(_("The callback signature is not valid."), code="bad_signature")


def parse_callback(body: bytes) -> dict:
    """The callback's fields, or ValidationFailed naming every wrong one."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise ValidationFailed(code="invalid_callback", fields={"body": _("Not a JSON object.")})
    problems = {}
    order_id = data.get("order_id")
    if not isinstance(order_id, str) or not 1 <= len(order_id) <= 60:
        problems["order_id"] = _("A payment order id is required.")
    if data.get("status") not in RESULT_STATUSES:
        problems["status"] = _("One of: pending, succeeded, failed.")
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems["amount"] = _("A positive amount in fen is required.")
    for name in ("channel_ref", "failure_code"):
        if not isinstance(data.get(name, ""), str) or len(data.get(name, "")) > 64:
            problems[name] = _("Text of at most 64 characters.")
    if problems:
        raise ValidationFailed(code="invalid_callback", fields=problems)
    return data


def receive_callback(*, channel: str, body: bytes, signature: str) -> dict:
    """Apply one signed callback; returns {order_id, status, duplicate}."""
    if channel not in CHANNELS:
        raise NotFound(_("No such payment channel."), code="channel_not_found")
    if not signature_valid(body, signature, conf.callback_secret()):
        raise _bad_signature()
    data = parse_callback(body)
    with transaction.atomic(durable=True):  # the bank's request: never inside another
        order = lock_order(data["order_id"])
        if order.channel != channel:
            raise NotFound(_("No such payment order."), code="order_not_found")
        if data["amount"] != order.amount:
            raise Conflict(
                _("The callback's amount is not the order's amount."),
                code="amount_mismatch",
                fields={"amount": str(data["amount"])},
            )
        duplicate = order.is_final
        log_event(
            order,
            PaymentEvent.Kind.DUPLICATE_CALLBACK if duplicate else PaymentEvent.Kind.CALLBACK,
            reported_status=data["status"],
            body=body,
            channel_ref=data.get("channel_ref", ""),
        )
        if not duplicate:
            apply_bank_result(
                order,
                status=data["status"],
                channel_ref=data.get("channel_ref", ""),
                failure_code=data.get("failure_code", ""),
            )
    return {"order_id": order.public_id, "status": order.status, "duplicate": duplicate}
