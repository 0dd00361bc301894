"""Early-warning actions: recorded by a check, then applied through lending.

A freeze or a small cut is *queued* by the check and applied by ``apply_queued_actions`` right
after the check's transaction commits (a django-tasks job queued on commit; the on-demand check
applies its own at once). End of day thus stays set-based: applying an action is a lending
service call per line (row lock, audit, ``line.frozen`` / ``line.limit_changed`` event and the
borrower's notification), a few tens of milliseconds each, which would otherwise hold the
early-warning step for minutes on a month's first business day. A large cut waits as *pending*
for a risk analyst other than the one who asked for the check (``approve_action``).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    ValidationFailed,
)
from microloan.kernel.ids import new_public_id
from microloan.lending.services import lines as lending_lines

from ..models import EarlyWarningAction, PostLoanCheck
from ..services.common import clean_reason, staff_user_pk
from . import rules
from .features import LineFacts

SYSTEM_ACTOR = Actor.system("early_warning")
PERM_APPROVE_ACTION = "risk.approve_earlywarningaction"
APPLY_BATCH = 100
Status = EarlyWarningAction.Status


def lending_reason(check_public_id: str, reasons: list[str]) -> str:
    """The reason lending records and the borrower's notice is built from (stable codes)."""
    return f"early_warning:{','.join(reasons)} ({check_public_id})"[:500]


def new_action(
    check: PostLoanCheck, decision: rules.Decision, facts: LineFacts, maker_pk: int | None
) -> EarlyWarningAction:
    """The action a check's decision asks for: pending approval (a large cut) or queued."""
    return EarlyWarningAction(
        public_id=new_public_id("ewa"),
        check_record=check,
        line_id=facts.pk,
        customer_id=facts.customer_id,
        kind=(
            EarlyWarningAction.Kind.FREEZE
            if decision.action == rules.FREEZE
            else EarlyWarningAction.Kind.REDUCE
        ),
        status=Status.PENDING if decision.needs_approval else Status.QUEUED,
        old_limit=facts.limit,
        new_limit=decision.new_limit,
        reason=lending_reason(check.public_id, check.reasons),
        maker_id=maker_pk,
        business_date=check.business_date,
    )


def enqueue_application() -> None:
    """After the commit, have a worker apply what was queued."""
    from .tasks import apply_early_warning_actions

    transaction.on_commit(apply_early_warning_actions.enqueue)


def _apply(action: EarlyWarningAction) -> None:
    """Have lending freeze or cut the line; sets the action's status (applied or skipped: the
    line moved on since the check — closed, already frozen, limit already lower)."""
    try:
        if action.kind == EarlyWarningAction.Kind.FREEZE:
            lending_lines.freeze_line(
                actor=SYSTEM_ACTOR, line_id=action.line.public_id, reason=action.reason
            )
        else:
            lending_lines.reduce_limit(
                actor=SYSTEM_ACTOR,
                line_id=action.line.public_id,
                new_limit=action.new_limit,
                reason=action.reason,
            )
    except (Conflict, BusinessRuleViolation) as refusal:
        action.status, action.decision_note = Status.SKIPPED, str(refusal.code)[:500]
        return
    except ValidationFailed as refusal:
        if refusal.code != "not_a_reduction":
            raise
        action.status, action.decision_note = Status.SKIPPED, refusal.code
        return
    action.status = Status.APPLIED


def snapshot(action: EarlyWarningAction) -> dict:
    return {
        "check": action.check_record.public_id,
        "line": action.line.public_id,
        "kind": action.kind,
        "status": action.status,
        "old_limit": action.old_limit,
        "new_limit": action.new_limit,
        "reason": action.reason,
        "note": action.decision_note,
    }


def _locked(queryset):
    queryset = queryset.select_for_update(of=("self",))
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(of=("self",), skip_locked=True)
    return queryset


def apply_queued_action(action_pk: int, *, actor: Actor = SYSTEM_ACTOR) -> str | None:
    """Apply one queued action in its own transaction; its status afterwards (None: another
    worker has it, or it is no longer queued)."""
    with transaction.atomic():
        action = (
            _locked(EarlyWarningAction.objects.select_related("line", "check_record"))
            .filter(pk=action_pk, status=Status.QUEUED)
            .first()
        )
        if action is None:
            return None
        before = snapshot(action)
        _apply(action)
        action.decided_at = timezone.now()
        action.save(update_fields=["status", "decision_note", "decided_at"])
        record_audit(
            actor=actor,
            action=f"postloan.action_{action.status}",
            object_type="early_warning_action",
            object_id=action.public_id,
            before=before,
            after=snapshot(action),
        )
    return action.status


def apply_queued_actions(*, limit: int | None = None) -> int:
    """Apply queued actions, oldest first, one transaction each; returns how many were done.
    Safe to run in several workers at once (rows are locked, taken ones skipped)."""
    done = 0
    while limit is None or done < limit:
        batch = list(
            EarlyWarningAction.objects.filter(status=Status.QUEUED)
            .order_by("id")
            .values_list("pk", flat=True)[:APPLY_BATCH]
        )
        if not batch:
            break
        progressed = 0
        for pk in batch:
            if limit is not None and done >= limit:
                break
            if apply_queued_action(pk) is not None:
                done += 1
                progressed += 1
        if not progressed:
            break  # everything left is another worker's right now
    return done


def _decide(actor: Actor, action_id: str, note: str) -> EarlyWarningAction:
    actor.require(PERM_APPROVE_ACTION)
    checker_pk = staff_user_pk(actor)
    note = clean_reason(note, required=False, field="note")
    action = (
        EarlyWarningAction.objects.select_for_update(of=("self",))
        .select_related("check_record", "line")
        .filter(public_id=str(action_id)[:60])
        .first()
    )
    if action is None:
        raise NotFound(_("No such early-warning action."), code="action_not_found")
    if action.status != Status.PENDING:
        raise Conflict(
            _("The action is not waiting for approval."),
            code="action_not_pending",
            fields={"action_id": action.public_id, "status": action.status},
        )
    if action.maker_id is not None and action.maker_id == checker_pk:
        raise BusinessRuleViolation(
            _("The person who asked for the check cannot decide its action."),
            code="maker_cannot_approve",
            fields={"action_id": action.public_id},
        )
    action.checker_id, action.decision_note = checker_pk, note
    action.decided_at = timezone.now()
    return action


def approve_action(*, actor: Actor, action_id: str, note: str = "") -> EarlyWarningAction:
    """A second person approves a large cut; lending applies it at once (or, if the line moved
    on meanwhile, the action is recorded as skipped with lending's reason)."""
    with transaction.atomic():
        action = _decide(actor, action_id, note)
        before = snapshot(action)
        _apply(action)
        if action.status == Status.SKIPPED and note:
            action.decision_note = f"{action.decision_note}; {note}"[:500]
        action.save()
        record_audit(
            actor=actor,
            action="postloan.action_approved",
            object_type="early_warning_action",
            object_id=action.public_id,
            before=before,
            after=snapshot(action),
        )
    return action


def reject_action(*, actor: Actor, action_id: str, note: str = "") -> EarlyWarningAction:
    with transaction.atomic():
        action = _decide(actor, action_id, note)
        before = snapshot(action)
        action.status = Status.REJECTED
        action.save()
        record_audit(
            actor=actor,
            action="postloan.action_rejected",
            object_type="early_warning_action",
            object_id=action.public_id,
            before=before,
            after=snapshot(action),
        )
    return action
