"""Shared by the contract services: permissions, look-ups, offer state, settings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import NotFound, PermissionDenied

from ..models import Contract

VIEW_CONTRACT = "contracts.view_contract"
VERIFY_CONTRACT = "contracts.verify_contract"
VIEW_TEMPLATE = "contracts.view_contracttemplate"
ADD_TEMPLATE = "contracts.add_contracttemplate"
CHANGE_TEMPLATE = "contracts.change_contracttemplate"

SYSTEM = Actor.system("contracts")
DEFAULT_OFFER_TTL_MINUTES = 30
DEFAULT_LENDER_NAMES = {
    "zh-hans": "微贷示范银行股份有限公司",
    "en": "Microloan Demonstration Bank Co., Ltd.",
}


class State:
    """What a contract is now: its stored status, or ``expired`` for an open offer whose time
    ran out (computed, since a refused signing attempt rolls back and cannot store it)."""

    PENDING = "pending"
    EXPIRED = "expired"
    SIGNED = "signed"
    VOID = "void"
    ALL = (PENDING, EXPIRED, SIGNED, VOID)


def offer_ttl() -> dt.timedelta:
    """How long a loan offer may be signed: ``CONTRACT_OFFER_TTL_MINUTES`` (default 30)."""
    return dt.timedelta(minutes=settings.CONTRACT_OFFER_TTL_MINUTES)


def lender_name(language: str) -> str:
    """``CONTRACT_LENDER_NAME``: a name, or a dict language → name; a default otherwise."""
    configured = settings.CONTRACT_LENDER_NAME
    if isinstance(configured, dict):
        return configured.get(language) or next(iter(configured.values()))
    return configured or DEFAULT_LENDER_NAMES.get(language, DEFAULT_LENDER_NAMES["zh-hans"])


def contract_state(contract: Contract, now: dt.datetime | None = None) -> str:
    if contract.status != Contract.Status.PENDING:
        return contract.status
    now = now or timezone.now()
    if contract.offer_expires_at is not None and now >= contract.offer_expires_at:
        return State.EXPIRED
    return State.PENDING


def contract_not_found(contract_id: str) -> NotFound:
    return NotFound(
        _("No such contract."), code="contract_not_found", fields={"contract_id": contract_id}
    )


def visible_contract(actor: Actor, contract_id: str, *, lock: bool = False) -> Contract:
    """The contract, to its borrower (anyone else's is 404, as if it did not exist) or to
    staff with ``contracts.view_contract``."""
    if actor.kind == "staff":
        actor.require(VIEW_CONTRACT)
    elif actor.kind not in ("borrower", "system"):
        raise PermissionDenied()
    contracts = Contract.objects.select_for_update(of=("self",)) if lock else Contract.objects
    contracts = contracts.select_related("template")
    contract = contracts.filter(public_id=str(contract_id)[:60]).first()
    if contract is None or (actor.kind == "borrower" and contract.customer_id != actor.id):
        raise contract_not_found(contract_id)
    return contract
