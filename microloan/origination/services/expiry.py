"""Expiring applications left in review (or returned and never corrected) too long.

``expire_stale_applications`` is set-based (one UPDATE, one bulk insert of transitions, one
audit record listing the ids) and idempotent for a business date: a second run finds nothing
left to expire. End of day runs it as the non-partitioned hook ``origination.expire_
applications`` in the ``early_warning`` slot (applications are not loans, so the loan-id
partitions mean nothing to it); ``microloan expire_applications`` runs it by hand.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor

from ..models import Application, ApplicationState, ApplicationTransition
from .policies import active_policy

S = ApplicationState
EXPIRABLE = (S.RETURNED, S.INITIAL_REVIEW, S.FINAL_REVIEW)
BATCH_AUDIT_IDS = 1000  # ids listed in one audit record; more are split over several


def expire_stale_applications(*, actor: Actor, business_date: dt.date) -> int:
    """Expire every application in ``EXPIRABLE`` submitted ``review_expiry_days`` or more
    business days before ``business_date``; returns how many."""
    actor.require_staff()
    days = active_policy().thresholds["review_expiry_days"]
    cutoff = business_date - dt.timedelta(days=days)
    now = timezone.now()
    with transaction.atomic():
        stale = list(
            Application.objects.select_for_update()
            .filter(state__in=EXPIRABLE, submitted_on__lte=cutoff)
            .values_list("pk", "public_id", "state")
        )
        if not stale:
            return 0
        Application.objects.filter(pk__in=[pk for pk, _id, _s in stale]).update(
            state=S.EXPIRED,
            decided_at=now,
            sla_due_at=None,
            claimed_by="",
            claimed_at=None,
            claim_expires_at=None,
            updated_at=now,
        )
        ApplicationTransition.objects.bulk_create(
            ApplicationTransition(
                application_id=pk,
                from_state=state,
                to_state=S.EXPIRED,
                actor=actor.label[:170],
                reasons=["review_expired"],
                at=now,
            )
            for pk, _id, state in stale
        )
        for start in range(0, len(stale), BATCH_AUDIT_IDS):
            chunk = stale[start : start + BATCH_AUDIT_IDS]
            record_audit(
                actor=actor,
                action="application.expired",
                object_type="application",
                object_id=f"batch:{business_date.isoformat()}",
                before={"states": sorted({state for _pk, _id, state in chunk})},
                after={
                    "state": S.EXPIRED.value,
                    "applications": [public_id for _pk, public_id, _s in chunk],
                    "cutoff": cutoff.isoformat(),
                },
            )
    return len(stale)


def expire_applications_step(ctx) -> int:
    """The end-of-day hook (``batch.registry.StepContext``)."""
    return expire_stale_applications(actor=ctx.actor, business_date=ctx.business_date)
