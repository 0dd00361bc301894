"""Helpers for contract tests: sign through the services, flip a byte, collect events."""

from __future__ import annotations

import base64

from microloan.contracts.models import Contract, Kind
from microloan.contracts.services import rendering, signing
from microloan.kernel.actors import Actor

TEST_FIELD_KEYS = "t1:" + base64.urlsafe_b64encode(bytes(range(32))).decode()


def agreement_of(line_id: str) -> Contract:
    return Contract.objects.get(kind=Kind.LINE_AGREEMENT, line_id=line_id)


def contract_of(loan_id: str) -> Contract:
    return Contract.objects.get(kind=Kind.LOAN, loan_id=loan_id)


def view_and_sign(contract: Contract, *, device_id: str = "device-1", ip: str = "10.0.0.8"):
    """The borrower opens the PDF, then signs the hash of what they saw."""
    actor = Actor.borrower(contract.customer_id)
    shown = rendering.contract_file(actor=actor, contract_id=contract.public_id)
    return signing.sign_contract(
        actor=actor,
        contract_id=contract.public_id,
        sha256=shown.sha256,
        device_id=device_id,
        ip_address=ip,
    )


def flip_byte(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


class EventRecorder:
    """A subscriber that keeps what it was given."""

    def __init__(self):
        self.received: list[dict] = []

    def __call__(self, event):
        self.received.append({"event": event.name, **event.payload()})
