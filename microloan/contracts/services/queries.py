"""Reads for the API and the back office: search, detail, the borrower's own contracts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.customers.interface import legal_identity
from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied, ValidationFailed
from microloan.kernel.masking import mask_value
from microloan.kernel.pagination import Page, paginate

from ..models import Contract, Kind
from .common import VIEW_CONTRACT, State, visible_contract


def _by_state(contracts: QuerySet[Contract], state: str) -> QuerySet[Contract]:
    now = timezone.now()
    open_offer = Q(offer_expires_at__isnull=True) | Q(offer_expires_at__gt=now)
    if state == State.PENDING:
        return contracts.filter(open_offer, status=Contract.Status.PENDING)
    if state == State.EXPIRED:
        return contracts.filter(status=Contract.Status.PENDING, offer_expires_at__lte=now)
    return contracts.filter(status=state)


def _check_filters(kind: str | None, state: str | None, date_from, date_to) -> None:
    problems = {}
    if kind and kind not in Kind.values:
        problems["kind"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(Kind.values)}
    if state and state not in State.ALL:
        problems["state"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(State.ALL)}
    if date_from and date_to and date_from > date_to:
        problems["date_to"] = _("Must not be before date_from.")
    if problems:
        raise ValidationFailed(fields=problems)


def list_contracts(
    *,
    actor: Actor,
    customer_id: str | None = None,
    loan_id: str | None = None,
    line_id: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Contracts matching every filter, newest first: the borrower's own, or any for staff
    with ``contracts.view_contract``. Dates filter the business date of the offer."""
    _check_filters(kind, state, date_from, date_to)
    contracts = Contract.objects.select_related("template")
    if actor.kind == "borrower":
        contracts = contracts.filter(customer_id=actor.id)
    elif actor.kind == "staff":
        actor.require(VIEW_CONTRACT)
    elif actor.kind != "system":
        raise PermissionDenied()
    exact = {"customer_id": customer_id, "loan_id": loan_id, "line_id": line_id, "kind": kind}
    contracts = contracts.filter(**{name: value for name, value in exact.items() if value})
    if state:
        contracts = _by_state(contracts, state)
    if date_from:
        contracts = contracts.filter(business_date__gte=date_from)
    if date_to:
        contracts = contracts.filter(business_date__lte=date_to)
    return paginate(contracts.order_by("-created_at", "-id"), page, page_size)


def contract_detail(*, actor: Actor, contract_id: str) -> Contract:
    return visible_contract(actor, contract_id)


def masked_borrower(contract: Contract) -> dict[str, str]:
    """The borrower as screens show them: name and ID number masked (the PDF names them)."""
    customer = legal_identity(contract.customer_id)
    if customer is None:
        return {"name": "", "id_number": ""}
    return {
        "name": mask_value("name", customer.name),
        "id_number": mask_value("id_number", customer.id_number),
    }


def loan_contract_of(loan_id: str) -> Contract | None:
    """The contract of a loan, for other apps' services (no permission check)."""
    return Contract.objects.filter(kind=Kind.LOAN, loan_id=loan_id).first()
