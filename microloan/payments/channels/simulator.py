"""The simulated bank, in-process: its book is the ``SimulatedBankPayment`` table.

It answers like a bank: an acknowledgement now, the result later by a signed callback to our
callback handler (the same code path as ``POST /callbacks/simulator``). With
``PAYMENTS_SIMULATOR_CALLBACKS = "immediate"`` the callback is delivered while the order is
being sent; with ``"deferred"`` on the next ``deliver_due_callbacks()`` (the payments sweep).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from .. import conf
from ..models import SimulatedBankPayment, SimulatorInstruction
from ..signing import sign
from . import bank_rules
from .base import Ack, ChannelStatus, ChannelTimeout, PaymentChannel, PaymentInstruction

CHANNEL_NAME = "simulator"


def instruct(order_id: str, outcome: str) -> None:
    """Tell the simulated bank what to do with ``order_id`` when it arrives (tests, demos)."""
    if outcome not in bank_rules.OUTCOMES:
        raise ValueError(f"outcome must be one of {bank_rules.OUTCOMES}")
    SimulatorInstruction.objects.update_or_create(order_id=order_id, defaults={"outcome": outcome})


def callback_body(payment: SimulatedBankPayment) -> bytes:
    return json.dumps(
        {
            "order_id": payment.order_id,
            "status": payment.status,
            "channel_ref": payment.channel_ref,
            "amount": payment.amount,
            "failure_code": payment.failure_code,
        },
        sort_keys=True,
    ).encode()


class InProcessSimulator(PaymentChannel):
    name = CHANNEL_NAME

    def send_payment(self, instruction: PaymentInstruction) -> Ack:
        payment, created = self._record(instruction)
        if created and conf.simulator_callbacks() == "immediate":
            self._deliver(payment)
        if payment.outcome == bank_rules.TIMEOUT:
            raise ChannelTimeout(instruction.order_id)
        return Ack(accepted=True, channel_ref=payment.channel_ref)

    def query_status(self, order_id: str) -> ChannelStatus:
        payment = SimulatedBankPayment.objects.filter(order_id=order_id).first()
        if payment is None:
            return ChannelStatus(status="unknown")
        return ChannelStatus(
            status=payment.status,
            channel_ref=payment.channel_ref,
            amount=payment.amount,
            failure_code=payment.failure_code,
        )

    def settlement_file(self, business_date: dt.date) -> str:
        rows = (
            SimulatedBankPayment.objects.filter(
                value_date=business_date, status__in=("succeeded", "failed")
            )
            .order_by("id")
            .values_list("order_id", "amount", "status", "channel_ref")
        )
        return bank_rules.settlement_csv(rows)

    def deliver_due_callbacks(self) -> int:
        delivered = 0
        for payment in SimulatedBankPayment.objects.filter(callbacks_due__gt=0).order_by("id"):
            delivered += self._deliver(payment)
        return delivered

    # --- the bank's side ------------------------------------------------------------------

    def _record(self, instruction: PaymentInstruction) -> tuple[SimulatedBankPayment, bool]:
        """The bank books an order id once; the same id again finds the first booking."""
        existing = SimulatedBankPayment.objects.filter(order_id=instruction.order_id).first()
        if existing is not None:
            return existing, False
        instructed = (
            SimulatorInstruction.objects.filter(order_id=instruction.order_id)
            .values_list("outcome", flat=True)
            .first()
        )
        outcome = bank_rules.outcome_for(instruction.amount, instructed)
        try:
            with transaction.atomic():
                payment = SimulatedBankPayment.objects.create(
                    order_id=instruction.order_id,
                    direction=instruction.direction,
                    amount=instruction.amount,
                    card_last4=instruction.card_number[-4:],
                    outcome=outcome,
                    status=bank_rules.final_status(outcome),
                    failure_code=bank_rules.failure_code(outcome, instruction.direction),
                    channel_ref=f"SIM{secrets.token_hex(8).upper()}",
                    callbacks_due=bank_rules.callbacks_for(outcome),
                    value_date=instruction.business_date,
                )
        except IntegrityError:
            return SimulatedBankPayment.objects.get(order_id=instruction.order_id), False
        return payment, True

    def _deliver(self, payment: SimulatedBankPayment) -> int:
        """Send every callback still due for ``payment`` (two for a duplicating bank)."""
        from ..services.callbacks import receive_callback

        delivered = 0
        while True:
            claimed = SimulatedBankPayment.objects.filter(
                pk=payment.pk, callbacks_due__gt=0
            ).update(callbacks_due=F("callbacks_due") - 1)
            if not claimed:
                return delivered
            body = callback_body(payment)
            receive_callback(
                channel=CHANNEL_NAME, body=body, signature=sign(body, conf.callback_secret())
            )
            delivered += 1
