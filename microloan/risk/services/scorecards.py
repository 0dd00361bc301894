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

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound
from microloan.kernel.versions import ActiveVersion

from ..models import Scorecard, VersionStatus
from ..scorecard import Scorecard as ScorecardArtifact
from ..scorecard import load_scorecard
from .common import (
    PERM_ADD_SCORECARD,
    PERM_APPROVE_SCORECARD,
    PERM_VIEW_SCORECARD,
    refuse_own_change,
    save_activation,
    staff_user_pk,
)

EXPERT_ARTIFACT_PATH = Path(__file__).resolve().parent.parent / "artifacts/expert_scorecard_v1.json"
BOOTSTRAP_ACTOR = Actor.system("risk.defaults")


def expert_artifact() -> dict[str, Any]:
    return json.loads(EXPERT_ARTIFACT_PATH.read_text(encoding="utf-8"))


def scorecard_snapshot(scorecard: Scorecard) -> dict[str, Any]:
    return {
        "version": scorecard.version,
        "name": scorecard.name,
        "source": scorecard.source,
        "status": scorecard.status,
        "metrics": scorecard.metrics,
    }


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


def _first_scorecard() -> Scorecard:
    if Scorecard.objects.filter(version=1).exists():
        raise Conflict(_("No scorecard is active."), code="no_active_scorecard")
    artifact = expert_artifact()
    load_scorecard(artifact)
    scorecard = Scorecard.objects.create(
        version=1,
        name=artifact["name"],
        source=Scorecard.Source.EXPERT,
        status=VersionStatus.ACTIVE,
        artifact=artifact,
        activated_at=timezone.now(),
    )
    record_audit(
        actor=BOOTSTRAP_ACTOR,
        action="scorecard.activated",
        object_type="scorecard",
        object_id=scorecard.public_id,
        after=scorecard_snapshot(scorecard),
    )
    return scorecard


# Marked by (public id, version): the artifact, a large JSON document, is loaded only when the
# active version changed; artifacts never change after registration (a new one is a version).
_ACTIVE = ActiveVersion(
    Scorecard, bootstrap=_first_scorecard, marker_columns=("public_id", "version")
)


def active_scorecard() -> Scorecard:
    """The active scorecard (kept per process, see ``kernel.versions``: treat it as
    read-only); the expert card becomes version 1 when there has never been one."""
    return _ACTIVE.get()
    if Scorecard.objects.filter(version=1).exists():
        raise Conflict(_("No scorecard is active."), code="no_active_scorecard")
    artifact = expert_artifact()
    load_scorecard(artifact)
    try:
        with transaction.atomic():
            scorecard = Scorecard.objects.create(
                version=1,
                name=artifact["name"],
                source=Scorecard.Source.EXPERT,
                status=VersionStatus.ACTIVE,
                artifact=artifact,
                activated_at=timezone.now(),
            )
            record_audit(
                actor=BOOTSTRAP_ACTOR,
                action="scorecard.activated",
                object_type="scorecard",
                object_id=scorecard.public_id,
                after=scorecard_snapshot(scorecard),
            )
    except IntegrityError:  # a concurrent first use created it: use theirs
        return Scorecard.objects.get(status=VersionStatus.ACTIVE)
    return scorecard


def list_scorecards(*, actor: Actor) -> QuerySet[Scorecard]:
    actor.require(PERM_VIEW_SCORECARD)
    active_scorecard()
    return Scorecard.objects.select_related("maker", "checker").order_by("-version")


def _scorecard(scorecard_id: str, *, lock: bool = False) -> Scorecard:
    scorecards = Scorecard.objects.select_related("maker", "checker")
    if lock:
        scorecards = scorecards.select_for_update(of=("self",))
    scorecard = scorecards.filter(public_id=str(scorecard_id)[:60]).first()
    if scorecard is None:
        raise NotFound(
            _("No such scorecard."),
            code="scorecard_not_found",
            fields={"scorecard_id": str(scorecard_id)[:60]},
        )
    return scorecard


def get_scorecard(*, actor: Actor, scorecard_id: str) -> Scorecard:
    actor.require(PERM_VIEW_SCORECARD)
    return _scorecard(scorecard_id)


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
        version = (Scorecard.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                scorecard = Scorecard.objects.create(
                    version=version,
                    name=parsed.name,
                    source=source,
                    status=VersionStatus.INACTIVE,
                    artifact=artifact,
                    metrics=metrics if metrics is not None else artifact.get("metrics", {}),
                    maker_id=maker_pk,
                )
        except IntegrityError:
            raise Conflict(
                _("Another version was registered at the same time; try again."),
                code="scorecard_version_taken",
            ) from None
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
    actor.require(PERM_APPROVE_SCORECARD)
    checker_pk = staff_user_pk(actor)
    with transaction.atomic():
        previous = Scorecard.objects.select_for_update().filter(status=VersionStatus.ACTIVE).first()
        scorecard = _scorecard(scorecard_id, lock=True)
        if scorecard.status == VersionStatus.ACTIVE:
            raise Conflict(
                _("This scorecard is already active."),
                code="scorecard_already_active",
                fields={"status": scorecard.status},
            )
        refuse_own_change(scorecard.maker_id, checker_pk, scorecard.public_id)
        load_scorecard(scorecard.artifact)
        now = timezone.now()
        if previous is not None:
            previous.status, previous.retired_at = VersionStatus.RETIRED, now
            previous.save(update_fields=["status", "retired_at"])
            record_audit(
                actor=actor,
                action="scorecard.retired",
                object_type="scorecard",
                object_id=previous.public_id,
                before={"status": VersionStatus.ACTIVE.value},
                after={"status": previous.status, "replaced_by": scorecard.public_id},
            )
        before = {"status": scorecard.status}
        scorecard.status, scorecard.checker_id, scorecard.activated_at = (
            VersionStatus.ACTIVE,
            checker_pk,
            now,
        )
        scorecard.retired_at = None
        save_activation(scorecard, ["status", "checker", "activated_at", "retired_at"])
        record_audit(
            actor=actor,
            action="scorecard.activated",
            object_type="scorecard",
            object_id=scorecard.public_id,
            before=before,
            after={"status": scorecard.status, "version": scorecard.version},
        )
    return scorecard
