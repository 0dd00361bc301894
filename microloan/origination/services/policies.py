"""Admission policies under maker-checker: a maker (``add_admissionpolicy``) proposes a draft
from the latest thresholds with changes merged in; another person with
``approve_admissionpolicy`` activates it, retiring the active version in the same transaction.
Version 1 holds ``admission.DEFAULT_THRESHOLDS`` and is created, active, on first use (as
``risk.services.rulesets.active_ruleset`` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    Conflict,
    NotFound,
)
from microloan.kernel.versions import ActiveVersion, VersionedThresholds

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


_MAKER_CHECKER = VersionedThresholds(
    model=AdmissionPolicy,
    audit_type="admission_policy",
    add_perm=PERM_ADD_POLICY,
    approve_perm=PERM_APPROVE_POLICY,
    merge=merge_thresholds,
    validate=validate_thresholds,
    snapshot=policy_snapshot,
    locked=lambda policy_id: get_policy(
        actor=Actor.system("origination"), policy_id=policy_id, lock=True
    ),
    not_draft=("policy_not_draft", _("Only a draft policy can be approved.")),
    version_taken="policy_version_taken",
    clean_note=lambda note: clean_reason(note, field="note", required=False),
    ensure_active=active_policy,
    id_field="policy_id",
)


def create_policy_draft(
    *, actor: Actor, changes: Mapping[str, Any], note: str = ""
) -> AdmissionPolicy:
    """A draft: the latest version's thresholds with ``changes`` merged in, validated."""
    return _MAKER_CHECKER.create_draft(actor=actor, changes=changes, note=note)


def approve_policy(*, actor: Actor, policy_id: str) -> AdmissionPolicy:
    """Draft → active by a checker other than its maker; the active version is retired."""
    return _MAKER_CHECKER.activate(actor=actor, version_id=policy_id)
