"""Events contracts publishes (``kernel.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from microloan.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ContractSigned(DomainEvent):
    """The borrower signed a line agreement (``kind`` "line") or a loan contract ("loan")."""

    name: ClassVar[str] = "contract.signed"
    customer_id: str
    contract_id: str
    kind: str
    line_id: str = ""
    loan_id: str = ""
    sha256: str = ""
