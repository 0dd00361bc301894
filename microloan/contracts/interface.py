"""What other apps (and the demo book) may use of contracts besides ``contracts.services``:
typed queries over the contracts (this app's own table)."""

from __future__ import annotations

import datetime as dt
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


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerContract:
    contract_id: str
    kind_label: str
    line_id: str
    loan_id: str
    status: str
    status_label: str
    business_date: dt.date  # the day the contract was offered
    signed_at: dt.datetime | None


def customer_contracts(customer_id: str) -> list[CustomerContract]:
    """The customer's contracts, newest first (one query)."""
    rows = (
        Contract.objects.filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list("public_id", "kind", "line_id", "loan_id", "status", "business_date",
                     "signed_at")
    )  # fmt: skip
    return [
        CustomerContract(
            contract_id, Kind(kind).label, line_id, loan_id, status,
            Contract.Status(status).label, day, signed_at,
        )
        for contract_id, kind, line_id, loan_id, status, day, signed_at in rows
    ]  # fmt: skip


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    register_section(
        ProfileSection(
            "contracts", _("Contracts"), "contracts.view_contract", customer_contracts, 60
        )
    )


_register_customer_sections()
