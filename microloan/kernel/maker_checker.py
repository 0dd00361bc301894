"""One maker-checker service for every kind of versioned configuration (``kernel.versions``).

A maker drafts a new version: the latest version's thresholds with their changes merged in
(objects key by key), checked whole by the kind's schema (``kernel.thresholds``). A checker who
is someone else activates it, retiring the active version in the same transaction. Version 1
(the kind's defaults) is made, active, the first time anything asks for the active version.
Or the checker rejects it with a reason, and it is never activated. Every step is audited
as ``<audit_type>.draft_created / .retired / .activated / .rejected`` through
``kernel.audit_hook``.

A kind is a ``ConfigKind`` (its names, permissions and refusal codes) plus, where it differs,
a subclass overriding a method: scorecards are registered, not drafted, and checked by
parsing their artifact; product versions (``products.services``) keep their terms in columns,
are numbered per product and submitted before a check, so only the checker's side (approve,
retire, reject, audit) is shared with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actors import Actor
from .audit_hook import write_audit
from .errors import Conflict, NotFound, ValidationFailed
from .text import clean_reason
from .thresholds import Thresholds, checked_thresholds, merge_changes
from .versions import (
    NOTE_MAX_LENGTH,
    ActiveVersion,
    ConfigStatus,
    refuse_own_change,
    save_activation,
    staff_user_pk,
)

M = TypeVar("M", bound=models.Model)  # a VersionedConfig, or a product version


@dataclass(frozen=True)
class ConfigKind:
    """The names a kind's refusals and audit records use (kept as each API has always said)."""

    audit_type: str  # "ruleset": audit actions "ruleset.activated", …
    view_perm: str
    add_perm: str
    approve_perm: str
    id_field: str  # names the id in a 404 ("ruleset_id")
    not_found: tuple[str, Any]  # (code, message) of the 404
    no_active: tuple[str, Any]  # (code, message) when versions exist but none is active
    not_draft: tuple[str, Any]  # (code, message) for activating a version that is not a draft
    version_taken: str  # code of the 409 when two makers take one version number
    maker_id_field: str = "version_id"  # names the id in ``maker_cannot_approve``
    object_type: str = ""  # of the audit records, when not ``audit_type``


def clean_note(note: Any, *, field: str = "note", required: bool = False) -> str:
    """A maker's note or a checker's reason: one line, at most 500 characters."""
    return clean_reason(
        note, max_length=NOTE_MAX_LENGTH, required=required, field=field, collapse_spaces=True
    )


class MakerChecker(Generic[M]):
    """Drafts, activation, listing and the active version of one kind (see the module doc)."""

    marker_columns: tuple[str, ...] = ("public_id", "thresholds")
    activated_field = "activated_at"  # when the version took over
    touched_fields: tuple[str, ...] = ()  # auto-now columns saved with every change

    def __init__(
        self,
        model: type[M],
        kind: ConfigKind,
        *,
        bootstrap_actor: Actor,
        schema: type[Thresholds] | None = None,
        defaults: Callable[[], dict[str, Any]] | None = None,
        bootstrap_note: str = "Defaults",
        problem_prefix: str = "",
    ) -> None:
        """``schema`` checks a thresholds payload (problems named ``problem_prefix`` + path);
        ``defaults`` makes version 1's thresholds."""
        self.model, self.kind, self.schema = model, kind, schema
        self.bootstrap_actor, self.defaults, self.bootstrap_note = (
            bootstrap_actor,
            defaults,
            bootstrap_note,
        )
        self.problem_prefix = problem_prefix
        self._active = ActiveVersion(
            model, bootstrap=self.first_version, marker_columns=self.marker_columns
        )

    # --- reading --------------------------------------------------------------------------------

    def active(self) -> M:
        """The active version (kept per process: treat it as read-only); version 1 on first use."""
        return self._active.get()

    def clear(self) -> None:
        self._active.clear()

    def list_versions(self, *, actor: Actor) -> QuerySet[M]:
        """Every version, newest first."""
        actor.require(self.kind.view_perm)
        self.active()
        return self.model._default_manager.select_related("maker", "checker").order_by("-version")

    def get(self, *, actor: Actor, version_id: str) -> M:
        actor.require(self.kind.view_perm)
        return self.row(version_id)

    def row(self, version_id: str, *, lock: bool = False) -> M:
        """The version by public id (row-locked with ``lock``), else the kind's 404."""
        rows = self.model._default_manager.select_related("maker", "checker")
        if lock:
            rows = rows.select_for_update(of=("self",))
        version = rows.filter(public_id=str(version_id)[:60]).first()
        if version is None:
            code, message = self.kind.not_found
            raise NotFound(message, code=code, fields={self.kind.id_field: str(version_id)[:60]})
        return version

    def snapshot(self, version: M) -> dict[str, Any]:
        """What an audit record keeps of a version."""
        return {
            "version": version.version,
            "status": version.status,
            "note": version.note,
            "thresholds": version.thresholds,
        }

    def validate(self, thresholds: Any) -> dict[str, Any]:
        """``thresholds`` if the kind's schema accepts them, else 422 ``invalid_thresholds``."""
        assert self.schema is not None, f"{self.model.__name__} has no thresholds schema"
        return checked_thresholds(self.schema, thresholds, prefix=self.problem_prefix)

    # --- version 1 ------------------------------------------------------------------------------

    def first_fields(self) -> dict[str, Any]:
        """The payload of version 1 (the kind's defaults)."""
        assert self.defaults is not None, f"{self.model.__name__} has no defaults"
        return {"thresholds": self.defaults(), "note": self.bootstrap_note}

    def first_version(self) -> M:
        """Version 1, active, audited; refused when versions exist but none is active."""
        manager = self.model._default_manager
        if manager.exists():
            code, message = self.kind.no_active
            raise Conflict(message, code=code)
        version = manager.create(
            version=1,
            status=ConfigStatus.ACTIVE,
            activated_at=timezone.now(),
            **self.first_fields(),
        )
        self._audit(self.bootstrap_actor, "activated", version, after=self.snapshot(version))
        return version

    # --- maker ----------------------------------------------------------------------------------

    def create_draft(self, *, actor: Actor, changes: Mapping[str, Any], note: Any = "") -> M:
        """A draft: the latest version's thresholds with ``changes`` merged in, validated."""
        actor.require(self.kind.add_perm)
        maker_pk = staff_user_pk(actor)
        note = clean_note(note)
        if not isinstance(changes, Mapping):
            raise ValidationFailed(
                code="invalid_thresholds", fields={"changes": _("Must be a JSON object.")}
            )
        self.active()
        with transaction.atomic():
            latest = self.model._default_manager.select_for_update().order_by("-version").first()
            thresholds = self.validate(merge_changes(latest.thresholds, changes))
            draft = self.create_version(
                status=ConfigStatus.DRAFT, thresholds=thresholds, note=note, maker_id=maker_pk
            )
            self._audit(
                actor,
                "draft_created",
                draft,
                before={"copied_from": latest.public_id},
                after=self.snapshot(draft),
            )
        return draft

    def create_version(self, **fields: Any) -> M:
        """A new row numbered after the highest version (inside the caller's transaction); two
        makers taking one number: 409 to retry."""
        manager = self.model._default_manager
        number = (manager.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                return manager.create(version=number, **fields)
        except IntegrityError:
            raise Conflict(
                _("Another version was created at the same time; try again."),
                code=self.kind.version_taken,
            ) from None

    # --- checker --------------------------------------------------------------------------------

    def check_activatable(self, version: M) -> None:
        """Only a draft can be activated (a kind may allow more)."""
        if version.status != ConfigStatus.DRAFT:
            code, message = self.kind.not_draft
            raise Conflict(message, code=code, fields={"status": version.status})

    def check_rejectable(self, version: M) -> None:
        """Only a draft can be rejected."""
        if version.status != ConfigStatus.DRAFT:
            code, message = self.kind.not_draft
            raise Conflict(message, code=code, fields={"status": version.status})

    def check_payload(self, version: M) -> None:
        """The payload is checked again at activation: the schema may have tightened since."""
        self.validate(version.thresholds)

    def lock_active(self, version_id: str) -> M | None:
        """Lock and return the active version that activating ``version_id`` replaces; taken
        before the version itself (one lock order for every checker)."""
        return self.model._default_manager.select_for_update().filter(status="active").first()

    def audit_before(self, version: M) -> dict[str, Any]:
        """What the activation's audit record keeps of the version before."""
        return {"status": version.status}

    def audit_after(self, version: M, previous: M | None) -> dict[str, Any]:
        return {"status": version.status, "version": version.version}

    def clean_reason(self, reason: Any, *, required: bool) -> str:
        return clean_note(reason, field="reason", required=required)

    def _audit(self, actor: Actor, step: str, version: M, **change: Any) -> None:
        write_audit(
            actor=actor,
            action=self.action(step),
            object_type=self.kind.object_type or self.kind.audit_type,
            object_id=version.public_id,
            **change,
        )

    def action(self, step: str) -> str:
        """The audit action of a step (``draft_created``, ``activated``, ``retired``, …)."""
        return f"{self.kind.audit_type}.{step}"

    def activate(self, *, actor: Actor, version_id: str, reason: Any = None) -> M:
        """→ active by a checker other than its maker; the active version retires. A
        ``reason`` given is kept on the version."""
        actor.require(self.kind.approve_perm)
        checker_pk = staff_user_pk(actor)
        reason = None if reason is None else self.clean_reason(reason, required=False)
        with transaction.atomic():
            previous = self.lock_active(version_id)
            version = self.row(version_id, lock=True)
            self.check_activatable(version)
            refuse_own_change(
                version.maker_id, checker_pk, version.public_id, id_field=self.kind.maker_id_field
            )
            self.check_payload(version)
            now = timezone.now()
            if previous is not None:
                previous.status, previous.retired_at = ConfigStatus.RETIRED, now
                previous.save(update_fields=["status", "retired_at", *self.touched_fields])
                self._audit(
                    actor,
                    "retired",
                    previous,
                    before={"status": ConfigStatus.ACTIVE.value},
                    after={"status": previous.status, "replaced_by": version.public_id},
                )
            before = self.audit_before(version)
            fields = ["status", "checker", self.activated_field, "retired_at"]
            version.status, version.checker_id, version.retired_at = "active", checker_pk, None
            setattr(version, self.activated_field, now)
            if reason is not None:
                version.reason = reason
                fields.append("reason")
            save_activation(version, [*fields, *self.touched_fields])
            self._audit(
                actor,
                "activated",
                version,
                before=before,
                after=self.audit_after(version, previous),
            )
        return version

    def reject(self, *, actor: Actor, version_id: str, reason: Any) -> M:
        """→ rejected, with a reason, by a checker other than its maker; it is never activated."""
        actor.require(self.kind.approve_perm)
        checker_pk = staff_user_pk(actor)
        reason = self.clean_reason(reason, required=True)
        with transaction.atomic():
            version = self.row(version_id, lock=True)
            self.check_rejectable(version)
            refuse_own_change(
                version.maker_id, checker_pk, version.public_id, id_field=self.kind.maker_id_field
            )
            before = {"status": version.status}
            version.status, version.checker_id = "rejected", checker_pk
            version.rejected_at, version.reason = timezone.now(), reason
            fields = ["status", "checker", "rejected_at", "reason", *self.touched_fields]
            version.save(update_fields=fields)
            self._audit(
                actor,
                "rejected",
                version,
                before=before,
                after={"status": version.status, "reason": reason},
            )
        return version
