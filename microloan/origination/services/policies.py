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
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.maker_checker import ConfigKind, MakerChecker

from ..admission import DEFAULT_THRESHOLDS, AdmissionThresholds
from ..models import AdmissionPolicy
from .common import PERM_ADD_POLICY, PERM_APPROVE_POLICY, PERM_VIEW_POLICY

BOOTSTRAP_ACTOR = Actor.system("origination.defaults")

POLICIES: MakerChecker[AdmissionPolicy] = MakerChecker(
    AdmissionPolicy,
    ConfigKind(
        audit_type="admission_policy",
        view_perm=PERM_VIEW_POLICY,
        add_perm=PERM_ADD_POLICY,
        approve_perm=PERM_APPROVE_POLICY,
        id_field="policy_id",
        not_found=("policy_not_found", _("No such admission policy.")),
        no_active=("no_active_policy", _("No admission policy is active.")),
        not_draft=("policy_not_draft", _("Only a draft policy can be approved.")),
        version_taken="policy_version_taken",
        maker_id_field="policy_id",
    ),
    bootstrap_actor=BOOTSTRAP_ACTOR,
    schema=AdmissionThresholds,
    defaults=lambda: dict(DEFAULT_THRESHOLDS),
    problem_prefix="changes.",
)


def policy_snapshot(policy: AdmissionPolicy) -> dict[str, Any]:
    return POLICIES.snapshot(policy)


def active_policy() -> AdmissionPolicy:
    """The active policy (kept per process, see ``kernel.versions``: treat it as read-only);
    the defaults become version 1 when there has never been one."""
    return POLICIES.active()


def list_policies(*, actor: Actor) -> QuerySet[AdmissionPolicy]:
    """Every version, newest first."""
    return POLICIES.list_versions(actor=actor)


def get_policy(*, actor: Actor, policy_id: str, lock: bool = False) -> AdmissionPolicy:
    actor.require(PERM_VIEW_POLICY)
    return POLICIES.row(policy_id, lock=lock)


def create_policy_draft(
    *, actor: Actor, changes: Mapping[str, Any], note: str = ""
) -> AdmissionPolicy:
    """A draft: the latest version's thresholds with ``changes`` merged in, validated."""
    return POLICIES.create_draft(actor=actor, changes=changes, note=note)


def approve_policy(*, actor: Actor, policy_id: str) -> AdmissionPolicy:
    """Draft → active by a checker other than its maker; the active version is retired."""
    return POLICIES.activate(actor=actor, version_id=policy_id)


def reject_policy(*, actor: Actor, policy_id: str, reason: str) -> AdmissionPolicy:
    """Draft → rejected, with a reason, by a checker other than its maker."""
    return POLICIES.reject(actor=actor, version_id=policy_id, reason=reason)
