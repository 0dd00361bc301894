"""What other apps (and the demo book) may use of contracts besides ``contracts.services``:
typed queries over the contracts (this app's own table)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Contract, Kind


# --- for risk, collections, notifications and the demo ---
@dataclass(frozen=True, slots=True)
class ContractRef:
    public_id: str
    status: str

    @property
    def signed(self) -> bool:
        return self.status == Contract.Status.SIGNED


def line_agreement_of(line_id: str) -> ContractRef | None:
    """The agreement of credit line ``line_id`` (None if none was made)."""
    row = (
        Contract.objects.filter(kind=Kind.LINE_AGREEMENT, line_id=line_id)
        .values_list("public_id", "status")
        .first()
    )
    return ContractRef(*row) if row else None
