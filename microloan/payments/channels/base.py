"""The channel adapter interface: what the payments services need from a bank.

A channel gets a ``PaymentInstruction`` (the order's id, direction, amount and the plain card
number read from the customer record just before sending) rather than the order row, so the
card number exists only in that call and never on the order. The bank is idempotent on the
order id: sending the same id again never moves money twice.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass

# What a bank says about an order id it was asked about.
BANK_STATUSES = ("unknown", "pending", "succeeded", "failed")


class ChannelTimeout(Exception):
    """No answer in time: the bank may or may not have the instruction (ask, never resend)."""


class ChannelUnavailable(Exception):
    """The bank could not be reached at all: it certainly did not receive the instruction."""


@dataclass(frozen=True)
class PaymentInstruction:
    order_id: str
    direction: str  # "out": pay the card; "in": debit the card
    amount: int  # fen
    card_number: str
    business_date: dt.date

    def __repr__(self) -> str:  # never print the card number
        return f"PaymentInstruction({self.order_id}, {self.direction}, {self.amount})"


@dataclass(frozen=True)
class Ack:
    accepted: bool
    channel_ref: str = ""
    failure_code: str = ""  # why it was refused at once


@dataclass(frozen=True)
class ChannelStatus:
    status: str  # one of BANK_STATUSES
    channel_ref: str = ""
    amount: int | None = None
    failure_code: str = ""


class PaymentChannel(ABC):
    name = ""

    @abstractmethod
    def send_payment(self, instruction: PaymentInstruction) -> Ack:
        """Hand the instruction to the bank; the result comes later by callback."""

    @abstractmethod
    def query_status(self, order_id: str) -> ChannelStatus:
        """What the bank knows of ``order_id`` now."""

    @abstractmethod
    def settlement_file(self, business_date: dt.date) -> str:
        """The bank's settlement file for ``business_date`` (CSV, see ``settlement.py``)."""

    def deliver_due_callbacks(self) -> int:
        """Simulators only: send the callbacks that are due. Real banks call us themselves."""
        return 0
