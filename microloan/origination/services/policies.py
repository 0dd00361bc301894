"""Admission policies under maker-checker: a maker (``add_admissionpolicy``) proposes a draft
from the latest thresholds with changes merged in; another person with
``approve_admissionpolicy`` activates it, retiring the active version in the same transaction.
Version 1 holds ``admission.DEFAULT_THRESHOLDS`` and is created, active, on first use (as
``risk.services.rulesets.active_ruleset`` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from microloan.kernel.versions import ActiveVersion

from ..admission import DEFAULT_THRESHOLDS, merge_thresholds, validate_thresholds
from ..models import AdmissionPolicy, PolicyStatus
from .common import PERM_ADD_POLICY, PERM_APPROVE_POLICY, PERM_VIEW_POLICY, clean_reason

BOOTSTRAP_ACTOR = Actor.system("origination.defaults")


def policy_snapshot(policy: AdmissionPolicy) -> dict[str, Any]:
    return {
        "version": policy.version,
        "status": policy.status,
        "note": policy.note,
        "thresholds": policy.thresholds,
    }


def _first_policy() -> AdmissionPolicy:
    if AdmissionPolicy.objects.exists():
        raise Conflict(_("No admission policy is active."), code="no_active_policy")
    policy = AdmissionPolicy.objects.create(
        version=1,
        status=PolicyStatus.ACTIVE,
        thresholds=dict(DEFAULT_THRESHOLDS),
        note="Defaults",
        activated_at=timezone.now(),
    )
    record_audit(
        actor=BOOTSTRAP_ACTOR,
        action="admission_policy.activated",
        object_type="admission_policy",
        object_id=policy.public_id,
        after=policy_snapshot(policy),
    )
    return policy


_ACTIVE = ActiveVersion(AdmissionPolicy, bootstrap=_first_policy)


def active_policy() -> AdmissionPolicy:
    """The active policy (kept per process, see ``kernel.versions``: treat it as read-only);
    the defaults become version 1 when there has never been one."""
    return _ACTIVE.get()


def _staff_pk(actor: Actor) -> int:
    if actor.kind != "staff" or actor.user_pk is None:
        raise PermissionDenied(
            _("Only a signed-in member of staff can do this."),
            code="staff_user_required",
            fields={"actor": actor.label},
        )
    return actor.user_pk


def list_policies(*, actor: Actor) -> QuerySet[AdmissionPolicy]:
    """Every version, newest first."""
    actor.require(PERM_VIEW_POLICY)
    active_policy()
    return AdmissionPolicy.objects.select_related("maker", "checker").order_by("-version")


def get_policy(*, actor: Actor, policy_id: str, lock: bool = False) -> AdmissionPolicy:
    actor.require(PERM_VIEW_POLICY)
    rows = AdmissionPolicy.objects.select_related("maker", "checker")
    if lock:
        rows = rows.select_for_update(of=("self",))
    policy = rows.filter(public_id=str(policy_id)[:60]).first()
    if policy is None:
        raise NotFound(
            _("No such admission policy."),
            code="policy_not_found",
            fields={"policy_id": str(policy_id)[:60]},
        )
    return policy


def create_policy_draft(
    *, actor: Actor, changes: Mapping[str, Any], note: str = ""
) -> AdmissionPolicy:
    """A draft: the latest version's thresholds with ``changes`` merged in, validated."""
    actor.require(PERM_ADD_POLICY)
    maker_pk = _staff_pk(actor)
    note = clean_reason(note, field="note", required=False)
    if not isinstance(changes, Mapping):
        raise ValidationFailed(
            code="invalid_thresholds", fields={"changes": _("Must be a JSON object.")}
        )
    active_policy()
    with transaction.atomic():
        latest = AdmissionPolicy.objects.select_for_update().order_by("-version").first()
        thresholds = validate_thresholds(merge_thresholds(latest.thresholds, changes))
        version = (AdmissionPolicy.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                policy = AdmissionPolicy.objects.create(
                    version=version,
                    status=PolicyStatus.DRAFT,
                    thresholds=thresholds,
                    note=note,
                    maker_id=maker_pk,
                )
        except IntegrityError:
            raise Conflict(
                _("Another version was created at the same time; try again."),
                code="policy_version_taken",
            ) from None
        record_audit(
            actor=actor,
            action="admission_policy.draft_created",
            object_type="admission_policy",
            object_id=policy.public_id,
            before={"copied_from": latest.public_id},
            after=policy_snapshot(policy),
        )
    return policy


def approve_policy(*, actor: Actor, policy_id: str) -> AdmissionPolicy:
    """Draft → active by a checker other than its maker; the active version is retired."""
    actor.require(PERM_APPROVE_POLICY)
    checker_pk = _staff_pk(actor)
    with transaction.atomic():
        previous = (
            AdmissionPolicy.objects.select_for_update().filter(status=PolicyStatus.ACTIVE).first()
        )
        policy = get_policy(actor=Actor.system("origination"), policy_id=policy_id, lock=True)
        if policy.status != PolicyStatus.DRAFT:
            raise Conflict(
                _("Only a draft policy can be approved."),
                code="policy_not_draft",
                fields={"status": policy.status},
            )
        if policy.maker_id == checker_pk:
            raise BusinessRuleViolation(
                _("The maker of a version cannot approve it."),
                code="maker_cannot_approve",
                fields={"policy_id": policy.public_id},
            )
        validate_thresholds(policy.thresholds)
        now = timezone.now()
        if previous is not None:
            previous.status, previous.retired_at = PolicyStatus.RETIRED, now
            previous.save(update_fields=["status", "retired_at"])
            record_audit(
                actor=actor,
                action="admission_policy.retired",
                object_type="admission_policy",
                object_id=previous.public_id,
                before={"status": PolicyStatus.ACTIVE.value},
                after={"status": previous.status, "replaced_by": policy.public_id},
            )
        policy.status, policy.checker_id, policy.activated_at = PolicyStatus.ACTIVE, checker_pk, now
        try:
            with transaction.atomic():
                policy.save(update_fields=["status", "checker", "activated_at"])
        except IntegrityError:
            raise Conflict(
                _("Another version was activated at the same time; try again."),
                code="concurrent_activation",
            ) from None
        record_audit(
            actor=actor,
            action="admission_policy.activated",
            object_type="admission_policy",
            object_id=policy.public_id,
            before={"status": PolicyStatus.DRAFT.value},
            after={"status": policy.status, "version": policy.version},
        )
    return policy
