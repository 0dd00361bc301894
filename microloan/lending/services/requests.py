"""Deciding maker-checker requests: line openings, limit changes, write-offs, restructurings,
manual postings.

The checker needs ``lending.change_makercheckerrequest`` (the generic routes) and the kind's
approval permission, and is never the maker (segregation of duties: 422
``maker_cannot_approve``, for rejecting too). Approval applies the change in the same
transaction as the decision, so a refused change leaves the request pending.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed

from ..models import MakerCheckerRequest
from . import lines, manual_postings, restructure, writeoff
from .common import MAX_REASON_LENGTH, require_staff, require_user

Kind = MakerCheckerRequest.Kind
APPROVAL_PERMISSION = {
    Kind.LIMIT_CHANGE: lines.PERM_APPROVE_LIMIT,
    Kind.LINE_OPENING: lines.PERM_APPROVE_LIMIT,
    Kind.WRITE_OFF: writeoff.PERM_APPROVE,
    Kind.RESTRUCTURE: restructure.PERM_APPROVE,
    Kind.MANUAL_POSTING: manual_postings.PERM_APPROVE,
}
_APPLY = {
    Kind.LIMIT_CHANGE: lines.apply_limit_change,
    Kind.LINE_OPENING: lines.apply_line_opening,
    Kind.WRITE_OFF: writeoff.apply_writeoff,
    Kind.RESTRUCTURE: restructure.apply_restructure,
    Kind.MANUAL_POSTING: manual_postings.apply_manual_posting,
}
# What a rejection undoes besides the request (a manual posting frees its bank reference).
_ON_REJECT = {Kind.MANUAL_POSTING: manual_postings.reject_manual_posting}


def _lock_pending(actor: Actor, request_id: str, kind: str | None) -> MakerCheckerRequest:
    request = (
        MakerCheckerRequest.objects.select_for_update()
        .filter(public_id=str(request_id)[:60])
        .first()
    )
    if request is None or (kind is not None and request.kind != kind):
        raise NotFound(
            _("No such request."), code="request_not_found", fields={"request_id": request_id}
        )
    require_staff(actor, APPROVAL_PERMISSION[request.kind])
    if request.status != MakerCheckerRequest.Status.PENDING:
        raise Conflict(
            _("This request was already decided."),
            code="request_not_pending",
            fields={"request_id": request.public_id, "status": request.status},
        )
    if request.maker_id == require_user(actor):
        raise BusinessRuleViolation(
            _("The person who proposed a change cannot decide on it."),
            code="maker_cannot_approve",
            fields={"request_id": request.public_id},
        )
    return request


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            code="reason_too_long", fields={"reason": _("At most 1000 characters.")}
        )
    return note


def _decide(
    request: MakerCheckerRequest, actor: Actor, status: str, note: str
) -> MakerCheckerRequest:
    request.status = status
    request.checker_id = actor.user_pk
    request.decision_reason = note
    request.decided_at = timezone.now()
    # ``line``: a line opening records the line it opened.
    request.save(update_fields=["status", "checker", "decision_reason", "decided_at", "line"])
    record_audit(
        actor=actor,
        action=f"request.{status}",
        object_type="maker_checker_request",
        object_id=request.public_id,
        before={"status": MakerCheckerRequest.Status.PENDING},
        after={"status": status, "kind": request.kind, "reason": note},
    )
    return request


def approve_request(
    *, actor: Actor, request_id: str, note: str = "", kind: str | None = None
) -> MakerCheckerRequest:
    """Approve and apply a pending request (of ``kind``, when the caller expects one)."""
    note = _clean_note(note)
    with transaction.atomic():
        request = _lock_pending(actor, request_id, kind)
        _APPLY[request.kind](actor=actor, request=request)
        return _decide(request, actor, MakerCheckerRequest.Status.APPROVED, note)


def reject_request(
    *, actor: Actor, request_id: str, note: str = "", kind: str | None = None
) -> MakerCheckerRequest:
    """Reject a pending request; nothing changes on the line or loan."""
    note = _clean_note(note)
    with transaction.atomic():
        request = _lock_pending(actor, request_id, kind)
        if request.kind in _ON_REJECT:
            _ON_REJECT[request.kind](actor=actor, request=request)
        return _decide(request, actor, MakerCheckerRequest.Status.REJECTED, note)
