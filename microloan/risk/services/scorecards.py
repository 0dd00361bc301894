"""Versioned scorecards under maker-checker. The expert scorecard
(``artifacts/expert_scorecard_v1.json``, its rationale inside) becomes version 1, active, the
first time anything asks for the active scorecard. New versions are registered inactive (from
``microloan risk train-scorecard --register`` or the API) and activated by a person with
``risk.approve_scorecard`` who is not their maker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound
from microloan.kernel.maker_checker import ConfigKind, MakerChecker

from ..models import Scorecard, VersionStatus
from ..scorecard import Scorecard as ScorecardArtifact
from ..scorecard import load_scorecard
from .common import (
    PERM_ADD_SCORECARD,
    PERM_APPROVE_SCORECARD,
    PERM_VIEW_SCORECARD,
    staff_user_pk,
)

EXPERT_ARTIFACT_PATH = Path(__file__).resolve().parent.parent / "artifacts/expert_scorecard_v1.json"
BOOTSTRAP_ACTOR = Actor.system("risk.defaults")


def expert_artifact() -> dict[str, Any]:
    return json.loads(EXPERT_ARTIFACT_PATH.read_text(encoding="utf-8"))


_PARSED: dict[str, ScorecardArtifact] = {}
_PARSED_MAX = 16


def scorecard_artifact(scorecard: Scorecard) -> ScorecardArtifact:
    """The parsed artifact of a stored scorecard. Cached by public id: no service changes an
    artifact after registration (a new artifact is a new version)."""
    parsed = _PARSED.get(scorecard.public_id)
    if parsed is None:
        parsed = load_scorecard(scorecard.artifact)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[scorecard.public_id] = parsed
    return parsed


class _Scorecards(MakerChecker[Scorecard]):
    """Scorecards are registered (inactive) rather than drafted, carry an artifact instead of
    thresholds, and an inactive or retired one may be activated again."""

    # Marked by (public id, version): the artifact, a large JSON document, is loaded only when
    # the active version changed; artifacts never change after registration.
    marker_columns = ("public_id", "version")

    def snapshot(self, scorecard: Scorecard) -> dict[str, Any]:
        return {
            "version": scorecard.version,
            "name": scorecard.name,
            "source": scorecard.source,
            "status": scorecard.status,
            "metrics": scorecard.metrics,
        }

    def first_fields(self) -> dict[str, Any]:
        artifact = expert_artifact()
        load_scorecard(artifact)
        return {"name": artifact["name"], "source": Scorecard.Source.EXPERT, "artifact": artifact}

    def check_activatable(self, scorecard: Scorecard) -> None:
        if scorecard.status == VersionStatus.ACTIVE:
            raise Conflict(
                _("This scorecard is already active."),
                code="scorecard_already_active",
                fields={"status": scorecard.status},
            )
        if scorecard.status == VersionStatus.REJECTED:
            raise Conflict(
                _("A rejected scorecard cannot be activated."),
                code="scorecard_rejected",
                fields={"status": scorecard.status},
            )

    def check_rejectable(self, scorecard: Scorecard) -> None:
        if scorecard.status != VersionStatus.INACTIVE:
            raise Conflict(
                _("Only an inactive scorecard can be rejected."),
                code="scorecard_not_inactive",
                fields={"status": scorecard.status},
            )

    def check_payload(self, scorecard: Scorecard) -> None:
        load_scorecard(scorecard.artifact)


SCORECARDS = _Scorecards(
    Scorecard,
    ConfigKind(
        audit_type="scorecard",
        view_perm=PERM_VIEW_SCORECARD,
        add_perm=PERM_ADD_SCORECARD,
        approve_perm=PERM_APPROVE_SCORECARD,
        id_field="scorecard_id",
        not_found=("scorecard_not_found", _("No such scorecard.")),
        no_active=("no_active_scorecard", _("No scorecard is active.")),
        not_draft=("scorecard_already_active", _("This scorecard is already active.")),
        version_taken="scorecard_version_taken",
    ),
    bootstrap_actor=BOOTSTRAP_ACTOR,
)


def scorecard_snapshot(scorecard: Scorecard) -> dict[str, Any]:
    return SCORECARDS.snapshot(scorecard)


def active_scorecard() -> Scorecard:
    """The active scorecard (kept per process, see ``kernel.versions``: treat it as
    read-only); the expert card becomes version 1 when there has never been one."""
    return SCORECARDS.active()


def list_scorecards(*, actor: Actor) -> QuerySet[Scorecard]:
    return SCORECARDS.list_versions(actor=actor)


def get_scorecard(*, actor: Actor, scorecard_id: str) -> Scorecard:
    return SCORECARDS.get(actor=actor, version_id=scorecard_id)


def scorecard_by_version(version: int | None) -> Scorecard:
    """A version by number, or the active one (for the CLI)."""
    if version is None:
        return active_scorecard()
    scorecard = Scorecard.objects.filter(version=version).first()
    if scorecard is None:
        raise NotFound(
            _("No such scorecard."), code="scorecard_not_found", fields={"version": str(version)}
        )
    return scorecard


def register_scorecard(
    *,
    actor: Actor,
    artifact: dict[str, Any],
    source: str = Scorecard.Source.UPLOADED,
    metrics: dict[str, Any] | None = None,
) -> Scorecard:
    """A new inactive version holding ``artifact`` (validated). The maker is the staff user
    behind ``actor``; a system actor (the CLI without --by) leaves it empty."""
    actor.require(PERM_ADD_SCORECARD)
    maker_pk = staff_user_pk(actor, required=False)
    parsed = load_scorecard(artifact)
    active_scorecard()
    with transaction.atomic():
        scorecard = SCORECARDS.create_version(
            name=parsed.name,
            source=source,
            status=VersionStatus.INACTIVE,
            artifact=artifact,
            metrics=metrics if metrics is not None else artifact.get("metrics", {}),
            maker_id=maker_pk,
        )
        record_audit(
            actor=actor,
            action="scorecard.registered",
            object_type="scorecard",
            object_id=scorecard.public_id,
            after=scorecard_snapshot(scorecard),
        )
    return scorecard


def activate_scorecard(*, actor: Actor, scorecard_id: str) -> Scorecard:
    """Inactive (or retired) → active by a checker other than its maker; the active version
    is retired in the same transaction."""
    return SCORECARDS.activate(actor=actor, version_id=scorecard_id)


def reject_scorecard(*, actor: Actor, scorecard_id: str, reason: str) -> Scorecard:
    """Inactive → rejected, with a reason, by a checker other than its maker."""
    return SCORECARDS.reject(actor=actor, version_id=scorecard_id, reason=reason)
