"""Events customers publishes (``kernel.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PhoneCodeRequested(DomainEvent):
    """A one-time code is to be sent to ``phone`` (empty ``code``: tell the person instead
    that no account uses the number)."""

    name: ClassVar[str] = "customer.phone_code_requested"
    phone: str
    code: str
    purpose: str
    language: str
    expires_in_minutes: int
