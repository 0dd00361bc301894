"""A person reviews an automated refusal when the applicant asks (PIPL art. 24).

Only the applicant, only for an application refused by the machine (``auto_rejected``), once,
and within ``HUMAN_REVIEW_WINDOW`` of the decision. The application goes back to the initial
review queue with its checks, its original reasons and the applicant's words; from there the
two-stage review runs as for any other case (the final reviewer may approve with a limit and
rate, or reject with a reason). A customer with another open application must wait for it
(409 ``application_open``: one open application per customer).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, PermissionDenied

from ..models import Application, ApplicationState
from .common import audit_application, clean_reason, get_application, transition
from .policies import active_policy

S = ApplicationState
HUMAN_REVIEW_WINDOW = dt.timedelta(days=30)


def request_human_review(*, actor: Actor, application_id: str, reason: str) -> Application:
    """Send the applicant's automatically refused application to a person (see module doc)."""
    if actor.kind != "borrower":
        raise PermissionDenied(
            _("Only the applicant can ask for a human review."), code="applicant_only"
        )
    reason = clean_reason(reason)
    with transaction.atomic():
        application = get_application(actor, application_id, lock=True)
        if application.state != S.AUTO_REJECTED:
            raise Conflict(
                _("Only an application refused by the automated decision can be reviewed."),
                code="not_automatically_refused",
                fields={"state": application.state},
            )
        now = timezone.now()
        if application.decided_at and now - application.decided_at > HUMAN_REVIEW_WINDOW:
            raise Conflict(
                _("A human review can be asked for within 30 days of the decision."),
                code="review_window_closed",
                fields={"decided_at": application.decided_at.isoformat()},
            )
        before = {"state": application.state, "decided_at": application.decided_at}
        hours = active_policy().thresholds["initial_review_sla_hours"]
        step = transition(
            application,
            S.INITIAL_REVIEW,
            actor=actor,
            reasons=["human_review_requested", *application.decision_reasons],
            note=reason,
            at=now,
        )
        application.decided_at = None
        application.sla_due_at = now + dt.timedelta(hours=hours)
        try:
            with transaction.atomic():  # the one-open-application index decides a race
                application.save()
        except IntegrityError:
            raise Conflict(
                _("Another application of yours is open; ask again once it is decided."),
                code="application_open",
                fields={"application_id": application.public_id},
            ) from None
        step.save()
        audit_application(
            actor, "application.human_review_requested", application, before, reason=reason
        )
    return application
