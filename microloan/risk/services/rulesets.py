"""Versioned rule sets under maker-checker: a maker (``risk.add_ruleset``) proposes a draft;
another person with ``risk.approve_ruleset`` activates it, retiring the active version in the
same transaction. Version 1 holds the defaults (``rulesets.default_thresholds``) and is created,
active, the first time anything asks for the active rule set.
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
from microloan.kernel.errors import Conflict, NotFound, ValidationFailed
from microloan.kernel.versions import ActiveVersion

from ..models import RuleSet, VersionStatus
from ..rulesets import default_thresholds, merge_thresholds, validate_thresholds
from .common import (
    PERM_ADD_RULESET,
    PERM_APPROVE_RULESET,
    PERM_VIEW_RULESET,
    clean_reason,
    refuse_own_change,
    save_activation,
    staff_user_pk,
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


def create_ruleset_draft(*, actor: Actor, changes: Mapping[str, Any], note: str = "") -> RuleSet:
    """A new draft: the latest version's thresholds with ``changes`` merged in, validated."""
    actor.require(PERM_ADD_RULESET)
    maker_pk = staff_user_pk(actor)
    note = clean_reason(note, required=False, field="note")
    if not isinstance(changes, Mapping):
        raise ValidationFailed(
            code="invalid_thresholds", fields={"changes": _("Must be a JSON object.")}
        )
    active_ruleset()
    with transaction.atomic():
        latest = RuleSet.objects.select_for_update().order_by("-version").first()
        thresholds = validate_thresholds(merge_thresholds(latest.thresholds, changes))
        version = (RuleSet.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                ruleset = RuleSet.objects.create(
                    version=version,
                    status=VersionStatus.DRAFT,
                    thresholds=thresholds,
                    note=note,
                    maker_id=maker_pk,
                )
        except IntegrityError:
            raise Conflict(
                _("Another version was created at the same time; try again."),
                code="ruleset_version_taken",
            ) from None
        record_audit(
            actor=actor,
            action="ruleset.draft_created",
            object_type="ruleset",
            object_id=ruleset.public_id,
            before={"copied_from": latest.public_id},
            after=ruleset_snapshot(ruleset),
        )
    return ruleset


def activate_ruleset(*, actor: Actor, ruleset_id: str) -> RuleSet:
    """Draft → active by a checker other than its maker; the active version is retired."""
    actor.require(PERM_APPROVE_RULESET)
    checker_pk = staff_user_pk(actor)
    with transaction.atomic():
        previous = RuleSet.objects.select_for_update().filter(status=VersionStatus.ACTIVE).first()
        ruleset = _ruleset(ruleset_id, lock=True)
        if ruleset.status != VersionStatus.DRAFT:
            raise Conflict(
                _("Only a draft rule set can be activated."),
                code="ruleset_not_draft",
                fields={"status": ruleset.status},
            )
        refuse_own_change(ruleset.maker_id, checker_pk, ruleset.public_id)
        validate_thresholds(ruleset.thresholds)
        now = timezone.now()
        if previous is not None:
            previous.status, previous.retired_at = VersionStatus.RETIRED, now
            previous.save(update_fields=["status", "retired_at"])
            record_audit(
                actor=actor,
                action="ruleset.retired",
                object_type="ruleset",
                object_id=previous.public_id,
                before={"status": VersionStatus.ACTIVE.value},
                after={"status": previous.status, "replaced_by": ruleset.public_id},
            )
        ruleset.status, ruleset.checker_id, ruleset.activated_at = (
            VersionStatus.ACTIVE,
            checker_pk,
            now,
        )
        save_activation(ruleset, ["status", "checker", "activated_at"])
        record_audit(
            actor=actor,
            action="ruleset.activated",
            object_type="ruleset",
            object_id=ruleset.public_id,
            before={"status": VersionStatus.DRAFT.value},
            after={"status": ruleset.status, "version": ruleset.version},
        )
    return ruleset
