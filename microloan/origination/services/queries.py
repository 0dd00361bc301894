"""Read-only look-ups for the API and the back office: search, detail, the borrower's view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.customers.interface import masked_applicant
from microloan.kernel.actors import Actor
from microloan.kernel.errors import PermissionDenied, ValidationFailed
from microloan.kernel.money import to_yuan_str
from microloan.kernel.services import get_business_date

from ..models import APPROVED_STATES, Application, ApplicationState
from ..reasons import explained
from .common import PERM_VIEW, get_application, require_viewer
from .offers import offer_of

STATES = frozenset(ApplicationState.values)


def search_applications(
    *,
    actor: Actor,
    state: str = "",
    customer_id: str = "",
    product_code: str = "",
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
) -> QuerySet[Application]:
    """Applications matching every given filter, newest first (dates are business dates,
    inclusive)."""
    if actor.kind == "borrower":
        raise PermissionDenied()
    actor.require(PERM_VIEW)
    if state and state not in STATES:
        raise ValidationFailed(
            code="invalid_state",
            fields={"state": _("Must be one of: %(s)s.") % {"s": ", ".join(sorted(STATES))}},
        )
    rows = Application.objects.all()
    if state:
        rows = rows.filter(state=state)
    if customer_id:
        rows = rows.filter(customer_id=customer_id.strip()[:60])
    if product_code:
        rows = rows.filter(product_code=product_code.strip()[:16])
    if submitted_from:
        rows = rows.filter(submitted_on__gte=submitted_from)
    if submitted_to:
        rows = rows.filter(submitted_on__lte=submitted_to)
    return rows.order_by("-submitted_at", "-id")


def my_applications(*, actor: Actor) -> QuerySet[Application]:
    """The borrower's own applications, newest first."""
    if actor.kind != "borrower":
        raise PermissionDenied()
    return Application.objects.filter(customer_id=actor.id).order_by("-submitted_at", "-id")


def summary_of(application: Application) -> dict[str, Any]:
    """One list row (no personal data: the customer is a public id)."""
    return {
        "id": application.public_id,
        "customer_id": application.customer_id,
        "product_code": application.product_code,
        "requested_amount": application.requested_amount,
        "requested_amount_yuan": to_yuan_str(application.requested_amount),
        "purpose": application.purpose,
        "state": application.state,
        "state_label": str(ApplicationState(application.state).label),
        "risk_level": application.risk_level,
        "grade": application.grade,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
        "sla_due_at": application.sla_due_at,
        "claimed_by": application.claimed_by,
    }


def borrower_view(application: Application) -> dict[str, Any]:
    """What the applicant sees: status, the decision and its reasons in words, what to
    correct, and the offer once approved. Fraud and scoring details stay internal."""
    return {
        **{
            k: v
            for k, v in summary_of(application).items()
            if k not in ("risk_level", "grade", "claimed_by", "sla_due_at")
        },
        "attempt": application.attempt,
        "reasons": explained(application.decision_reasons),
        "return_fields": application.return_fields,
        "offer": offer_of(application) if application.state in APPROVED_STATES else None,
    }


def get_my_application(*, actor: Actor, application_id: str) -> dict[str, Any]:
    if actor.kind != "borrower":
        raise PermissionDenied()
    return borrower_view(get_application(actor, application_id))


def application_detail(*, actor: Actor, application_id: str) -> dict[str, Any]:
    """Everything a reviewer needs: the masked applicant, the declared data, admission, every
    risk check and reason, the offer, the reviews and the transitions."""
    if actor.kind == "borrower":
        raise PermissionDenied()
    require_viewer(actor)
    application = get_application(actor, application_id)
    return {
        **summary_of(application),
        "attempt": application.attempt,
        "product_version": application.product_version,
        "applicant": masked_applicant(application.customer_id, on=get_business_date()),
        "declared": application.applicant,
        "admission": application.admission,
        "checks": application.checks,
        "reasons": explained(application.decision_reasons),
        "return_fields": application.return_fields,
        "proposed_limit": application.proposed_limit,
        "granted_limit": application.granted_limit,
        "daily_rate": str(application.daily_rate) if application.daily_rate is not None else "",
        "apr": str(application.apr) if application.apr is not None else "",
        "term_options": application.term_options,
        "line_id": application.line_id,
        "device_id": application.device_id,
        "channel": application.channel,
        "policy_version": application.policy_version,
        "claimed_at": application.claimed_at,
        "claim_expires_at": application.claim_expires_at,
        "initial_reviewer": application.initial_reviewer,
        "initial_reason": application.initial_reason,
        "initial_reviewed_at": application.initial_reviewed_at,
        "final_reviewer": application.final_reviewer,
        "final_reason": application.final_reason,
        "final_reviewed_at": application.final_reviewed_at,
        "transitions": [
            {
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": t.actor,
                "reasons": t.reasons,
                "note": t.note,
                "at": t.at,
            }
            for t in application.transitions.all()
        ],
    }
