"""Events origination publishes (``kernel.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ApplicationDecided(DomainEvent):
    """An application was approved (with its line, limit in fen, daily rate and APR as
    decimal strings) or rejected (with its reasons)."""

    name: ClassVar[str] = "application.decided"
    customer_id: str
    application_id: str
    outcome: str  # "approved" | "rejected"
    reasons: tuple[str, ...] = ()
    line_id: str = ""
    limit: int | None = None
    daily_rate: str = ""
    apr: str = ""
