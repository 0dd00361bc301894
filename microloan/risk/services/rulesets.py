"""Versioned rule sets under maker-checker: a maker (``risk.add_ruleset``) proposes a draft;
another person with ``risk.approve_ruleset`` activates it, retiring the active version in the
same transaction. Version 1 holds the defaults (``rulesets.default_thresholds``) and is created,
active, the first time anything asks for the active rule set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound
from microloan.kernel.versions import ActiveVersion, VersionedThresholds

from ..models import RuleSet, VersionStatus
from ..rulesets import default_thresholds, merge_thresholds, validate_thresholds
from .common import (
    PERM_ADD_RULESET,
    PERM_APPROVE_RULESET,
    PERM_VIEW_RULESET,
    clean_reason,
)

BOOTSTRAP_ACTOR = Actor.system("risk.defaults")


def ruleset_snapshot(ruleset: RuleSet) -> dict[str, Any]:
    return {
        "version": ruleset.version,
        "status": ruleset.status,
        "note": ruleset.note,
        "thresholds": ruleset.thresholds,
    }


def _first_ruleset() -> RuleSet:
    if RuleSet.objects.exists():
        raise Conflict(_("No risk rule set is active."), code="no_active_ruleset")
    ruleset = RuleSet.objects.create(
        version=1,
        status=VersionStatus.ACTIVE,
        thresholds=default_thresholds(),
        note="Defaults",
        activated_at=timezone.now(),
    )
    record_audit(
        actor=BOOTSTRAP_ACTOR,
        action="ruleset.activated",
        object_type="ruleset",
        object_id=ruleset.public_id,
        after=ruleset_snapshot(ruleset),
    )
    return ruleset


_ACTIVE = ActiveVersion(RuleSet, bootstrap=_first_ruleset)


def active_ruleset() -> RuleSet:
    """The active rule set (kept per process, see ``kernel.versions``: treat it as read-only);
    the defaults become version 1 when there has never been one."""
    return _ACTIVE.get()


def list_rulesets(*, actor: Actor) -> QuerySet[RuleSet]:
    """Every version, newest first."""
    actor.require(PERM_VIEW_RULESET)
    active_ruleset()
    return RuleSet.objects.select_related("maker", "checker").order_by("-version")


def _ruleset(ruleset_id: str, *, lock: bool = False) -> RuleSet:
    rulesets = RuleSet.objects.select_related("maker", "checker")
    if lock:
        rulesets = rulesets.select_for_update(of=("self",))
    ruleset = rulesets.filter(public_id=str(ruleset_id)[:60]).first()
    if ruleset is None:
        raise NotFound(
            _("No such rule set."),
            code="ruleset_not_found",
            fields={"ruleset_id": str(ruleset_id)[:60]},
        )
    return ruleset


def get_ruleset(*, actor: Actor, ruleset_id: str) -> RuleSet:
    actor.require(PERM_VIEW_RULESET)
    return _ruleset(ruleset_id)


_MAKER_CHECKER = VersionedThresholds(
    model=RuleSet,
    audit_type="ruleset",
    add_perm=PERM_ADD_RULESET,
    approve_perm=PERM_APPROVE_RULESET,
    merge=merge_thresholds,
    validate=validate_thresholds,
    snapshot=ruleset_snapshot,
    locked=lambda ruleset_id: _ruleset(ruleset_id, lock=True),
    not_draft=("ruleset_not_draft", _("Only a draft rule set can be activated.")),
    version_taken="ruleset_version_taken",
    clean_note=lambda note: clean_reason(note, required=False, field="note"),
    ensure_active=active_ruleset,
)


def create_ruleset_draft(*, actor: Actor, changes: Mapping[str, Any], note: str = "") -> RuleSet:
    """A new draft: the latest version's thresholds with ``changes`` merged in, validated."""
    return _MAKER_CHECKER.create_draft(actor=actor, changes=changes, note=note)


def activate_ruleset(*, actor: Actor, ruleset_id: str) -> RuleSet:
    """Draft → active by a checker other than its maker; the active version is retired."""
    return _MAKER_CHECKER.activate(actor=actor, version_id=ruleset_id)
