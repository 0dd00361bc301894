"""Cases: queue and detail, overdue cause, restructuring proposals (assignment.py: who)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.interface import masked_customer_of
from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.pagination import Page, paginate
from microloan.kernel.services import get_business_date
from microloan.lending.interface import RestructureProposal, propose_loan_restructure

from ..models import Bucket, CollectionCase, OverdueCause
from .common import (
    CHANGE_CASE,
    VIEW_CASE,
    WORK_CASE,
    get_case,
    require_assigned,
    require_open,
)

# --- cause and restructuring -----------------------------------------------------------------


def set_cause(*, actor: Actor, case_id: str, cause: str) -> CollectionCase:
    """Record why the loan is overdue: the assigned collector, or a supervisor
    (``change_collectioncase``)."""
    actor.require_staff()
    if not actor.has_perm(CHANGE_CASE):
        actor.require(WORK_CASE)
    if cause not in OverdueCause.values:
        raise ValidationFailed(
            fields={"cause": _("One of: %(c)s.") % {"c": ", ".join(OverdueCause.values)}}
        )
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        if not actor.has_perm(CHANGE_CASE):
            require_assigned(actor, case)
        before = {"cause": case.cause}
        case.cause = cause
        case.version += 1
        case.save(update_fields=["cause", "version", "updated_at"])
        record_audit(
            actor=actor,
            action="collection_case.cause_recorded",
            object_type="collection_case",
            object_id=case.public_id,
            before=before,
            after={"cause": cause},
        )
    return case


def propose_case_restructure(
    *,
    actor: Actor,
    case_id: str,
    term_months: int,
    method: str,
    daily_rate: Decimal | str | None = None,
    reason: str,
) -> RestructureProposal:
    """The assigned collector proposes a new schedule for the case's loan; lending's
    maker-checker has a second person (``lending.approve_restructure``) decide."""
    actor.require_staff()
    actor.require(WORK_CASE)
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        require_assigned(actor, case)
        require_open(case)
        request = propose_loan_restructure(
            actor=actor,
            loan_id=case.loan.public_id,
            term_months=term_months,
            method=method,
            daily_rate=daily_rate,
            reason=reason,
        )
        record_audit(
            actor=actor,
            action="collection_case.restructure_proposed",
            object_type="collection_case",
            object_id=case.public_id,
            after={"request": request.public_id},
        )
    return request


# --- queries -------------------------------------------------------------------------------


def list_cases(
    *,
    actor: Actor,
    bucket: str | None = None,
    collector: str | None = None,
    status: str | None = "open",
    cause: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Cases, newest first. ``collector`` is a username, "me" or "none" (unassigned)."""
    actor.require_staff()
    actor.require(VIEW_CASE)
    problems = {}
    if bucket and bucket not in Bucket.values:
        problems["bucket"] = _("One of: %(c)s.") % {"c": ", ".join(Bucket.values)}
    if status and status not in CollectionCase.Status.values:
        problems["status"] = _("One of: %(c)s.") % {"c": ", ".join(CollectionCase.Status.values)}
    if cause and cause not in [*OverdueCause.values, "none"]:
        problems["cause"] = _("One of: %(c)s.") % {"c": ", ".join(OverdueCause.values)}
    if problems:
        raise ValidationFailed(fields=problems)
    cases = CollectionCase.objects.select_related("loan", "collector").order_by("-id")
    if bucket:
        cases = cases.filter(bucket=bucket)
    if status:
        cases = cases.filter(status=status)
    if cause:
        cases = cases.filter(cause="" if cause == "none" else cause)
    if collector == "me":
        cases = cases.filter(collector_id=actor.user_pk)
    elif collector == "none":
        cases = cases.filter(collector=None)
    elif collector:
        cases = cases.filter(collector__username=collector)
    return paginate(cases, page, page_size)


def case_detail(*, actor: Actor, case_id: str) -> dict[str, Any]:
    """A case with its masked borrower, loan summary, history, contacts, promises, refusals."""
    actor.require_staff()
    actor.require(VIEW_CASE)
    case = get_case(case_id)
    today = get_business_date()
    return {
        "case": case,
        "borrower": masked_customer_of(case.customer_id, on=today),
        "loan": case.loan,
        "history": list(case.history.order_by("business_date", "id")),
        "contacts": list(case.contacts.select_related("collector").order_by("-attempted_at")),
        "promises": list(case.promises.select_related("collector").order_by("-id")),
        "refusals": list(case.refusals.order_by("-id")[:20]),
    }
