"""Versioned rule sets under maker-checker: a maker (``risk.add_ruleset``) proposes a draft;
another person with ``risk.approve_ruleset`` activates it, retiring the active version in the
same transaction. Version 1 holds the defaults (``rulesets.default_thresholds``) and is created,
active, the first time anything asks for the active rule set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.maker_checker import ConfigKind, MakerChecker

from ..models import RuleSet
from ..rulesets import RuleSetThresholds, default_thresholds
from .common import PERM_ADD_RULESET, PERM_APPROVE_RULESET, PERM_VIEW_RULESET

BOOTSTRAP_ACTOR = Actor.system("risk.defaults")

RULESETS: MakerChecker[RuleSet] = MakerChecker(
    RuleSet,
    ConfigKind(
        audit_type="ruleset",
        view_perm=PERM_VIEW_RULESET,
        add_perm=PERM_ADD_RULESET,
        approve_perm=PERM_APPROVE_RULESET,
        id_field="ruleset_id",
        not_found=("ruleset_not_found", _("No such rule set.")),
        no_active=("no_active_ruleset", _("No risk rule set is active.")),
        not_draft=("ruleset_not_draft", _("Only a draft rule set can be activated.")),
        version_taken="ruleset_version_taken",
    ),
    bootstrap_actor=BOOTSTRAP_ACTOR,
    schema=RuleSetThresholds,
    defaults=default_thresholds,
)


def ruleset_snapshot(ruleset: RuleSet) -> dict[str, Any]:
    return RULESETS.snapshot(ruleset)


def active_ruleset() -> RuleSet:
    """The active rule set (kept per process, see ``kernel.versions``: treat it as read-only);
    the defaults become version 1 when there has never been one."""
    return RULESETS.active()


def list_rulesets(*, actor: Actor) -> QuerySet[RuleSet]:
    """Every version, newest first."""
    return RULESETS.list_versions(actor=actor)


def get_ruleset(*, actor: Actor, ruleset_id: str) -> RuleSet:
    return RULESETS.get(actor=actor, version_id=ruleset_id)


def create_ruleset_draft(*, actor: Actor, changes: Mapping[str, Any], note: str = "") -> RuleSet:
    """A new draft: the latest version's thresholds with ``changes`` merged in, validated."""
    return RULESETS.create_draft(actor=actor, changes=changes, note=note)


def activate_ruleset(*, actor: Actor, ruleset_id: str) -> RuleSet:
    """Draft → active by a checker other than its maker; the active version is retired."""
    return RULESETS.activate(actor=actor, version_id=ruleset_id)


def reject_ruleset(*, actor: Actor, ruleset_id: str, reason: str) -> RuleSet:
    """Draft → rejected, with a reason, by a checker other than its maker."""
    return RULESETS.reject(actor=actor, version_id=ruleset_id, reason=reason)
