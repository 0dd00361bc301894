"""Permissions, the state machine and helpers shared by the origination services."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied
from microloan.kernel.text import clean_reason as kernel_clean_reason
from microloan.lending.interface import customer_credit, delinquent_loan_count

from ..events import ApplicationDecided
from ..models import (
    REASON_MAX_LENGTH,
    Application,
    ApplicationState,
    ApplicationTransition,
)

PERM_VIEW = "origination.view_application"
PERM_APPLY_ON_BEHALF = "origination.add_application"
PERM_REVIEW_INITIAL = "origination.review_initial_application"
PERM_REVIEW_FINAL = "origination.review_final_application"
PERM_VIEW_POLICY = "origination.view_admissionpolicy"
PERM_ADD_POLICY = "origination.add_admissionpolicy"
PERM_APPROVE_POLICY = "origination.approve_admissionpolicy"

S = ApplicationState
# The state machine: from -> states it may go to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.CHECKS_RUNNING, S.WITHDRAWN}),
    S.CHECKS_RUNNING: frozenset({S.AUTO_APPROVED, S.AUTO_REJECTED, S.INITIAL_REVIEW}),
    # PIPL art. 24: the applicant may ask a person to review an automated refusal.
    S.AUTO_REJECTED: frozenset({S.INITIAL_REVIEW}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN, S.EXPIRED}),
    S.INITIAL_REVIEW: frozenset({S.FINAL_REVIEW, S.REJECTED, S.RETURNED, S.WITHDRAWN, S.EXPIRED}),
    S.FINAL_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
}
SYSTEM_ACTOR = Actor.system("origination")
# Line-opening actor: lending.open_credit_line needs staff or system; approvals by machine
# and by reviewers both open the line as the origination process (the reviewer is audited
# on the application).
LINE_OPENING_ACTOR = Actor.system("origination.line")


def application_not_found(application_id: str) -> NotFound:
    return NotFound(
        _("No such application."),
        code="application_not_found",
        fields={"application_id": str(application_id)[:60]},
    )


def get_application(actor: Actor, application_id: str, *, lock: bool = False) -> Application:
    """The application; a borrower finds only their own (else 404, as if it did not exist).
    No permission check: the calling service checks its own."""
    rows = Application.objects.select_for_update() if lock else Application.objects
    application = rows.filter(public_id=str(application_id)[:60]).first()
    if application is None or (actor.kind == "borrower" and application.customer_id != actor.id):
        raise application_not_found(application_id)
    return application


def require_viewer(actor: Actor) -> None:
    if actor.kind != "borrower":
        actor.require(PERM_VIEW)


# The kernel's one reason check; origination keeps a reason on one line.
clean_reason = partial(kernel_clean_reason, max_length=REASON_MAX_LENGTH, collapse_spaces=True)


def transition(
    application: Application,
    to_state: str,
    *,
    actor: Actor,
    reasons: Iterable[str] = (),
    note: str = "",
    at=None,
) -> ApplicationTransition:
    """Move ``application`` to ``to_state`` (409 if the machine does not allow it) and keep the
    transition row; the caller saves the application and writes the audit record."""
    from_state = application.state or ""
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise Conflict(
            _("The application cannot go from %(from)s to %(to)s.")
            % {"from": from_state or "-", "to": to_state},
            code="invalid_transition",
            fields={"state": from_state},
        )
    application.state = to_state
    return ApplicationTransition(
        application=application,
        from_state=from_state,
        to_state=to_state,
        actor=actor.label[:170],
        reasons=list(reasons),
        note=note[:REASON_MAX_LENGTH],
        at=at or timezone.now(),
    )


def audit_application(
    actor: Actor, action: str, application: Application, before: dict | None, **extra: Any
) -> None:
    record_audit(
        actor=actor,
        action=action,
        object_type="application",
        object_id=application.public_id,
        before=before,
        after={"state": application.state, **extra},
    )


def publish_decided(application: Application) -> None:
    """The ``application.decided`` event (brief's catalogue) for a final approve / reject."""
    approved = application.state in (S.AUTO_APPROVED, S.APPROVED)
    events.publish(
        ApplicationDecided(
            customer_id=application.customer_id,
            application_id=application.public_id,
            outcome="approved" if approved else "rejected",
            reasons=tuple(application.decision_reasons),
            line_id=application.line_id or "",
            limit=application.granted_limit if approved else None,
            daily_rate=str(application.daily_rate) if approved and application.daily_rate else "",
            apr=str(application.apr) if approved and application.apr is not None else "",
        )
    )


def open_credit(customer_id: str) -> tuple[int, int, int]:
    """(limits, used) of the customer's open credit lines in fen, and how many lines they
    ever had (any status), in one query."""
    credit = customer_credit(customer_id)
    return credit.limits, credit.used, credit.lines_ever


def delinquent_loans(customer_id: str) -> int:
    """The customer's loans past due now (the scorecard's ``prior_delinquencies``; lending
    keeps no per-loan history of past delinquency yet, so a cured loan does not count)."""
    return delinquent_loan_count(customer_id)


def staff_only(actor: Actor) -> None:
    if actor.kind == "borrower":
        raise PermissionDenied()
