"""Versioned configuration (admission policy, risk rule set, scorecard, early-warning policy).

The active version: one row with ``status = 'active'``, read on every application or
end-of-day step.

``ActiveVersion.get()`` asks the database on every call which row is active — one small
plain-SQL query of a few marker columns, so an activation by any process is seen at once (no
TTL) — and loads and keeps the row only when that answer changed. Callers get a shared
instance and must treat it as read-only. When no version is active and none ever was, the
``bootstrap`` callable makes version 1 (a concurrent first use that made it first wins).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit

from .actors import Actor
from .errors import BusinessRuleViolation, Conflict, PermissionDenied, ValidationFailed

M = TypeVar("M", bound=models.Model)


class ActiveVersion(Generic[M]):
    def __init__(
        self,
        model: type[M],
        *,
        bootstrap: Callable[[], M],
        marker_columns: Sequence[str] = ("public_id", "thresholds"),
        active: str = "active",
        keep: int = 8,
    ) -> None:
        """``bootstrap`` runs (in a transaction) when no row is active: it makes and returns
        version 1, or raises when versions exist but none is active. ``marker_columns`` name
        the row and everything a changed row would change (the first is the public id)."""
        self.model, self.bootstrap, self.active = model, bootstrap, active
        self.marker_columns, self.keep = tuple(marker_columns), keep
        self._kept: dict[tuple, M] = {}

    def marker(self) -> tuple | None:
        """The active row's marker columns (JSON as sorted text), or None unless exactly one
        row is active."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(column) for column in self.marker_columns)}"
                f" FROM {quote(self.model._meta.db_table)} WHERE {quote('status')} = %s",
                [self.active],
            )
            rows = cursor.fetchall()
        if len(rows) != 1:
            return None
        return tuple(_comparable(value) for value in rows[0])

    def get(self) -> M:
        marker = self.marker()
        if marker is not None and marker in self._kept:
            return self._kept[marker]
        row = self._load()
        if row is not None:
            if marker is not None and marker == self._marker_of(row):
                if len(self._kept) >= self.keep:
                    self._kept.clear()
                self._kept[marker] = row
            return row
        try:
            with transaction.atomic():
                return self.bootstrap()
        except IntegrityError:  # a concurrent first use created it: use theirs
            return self.model._default_manager.get(status=self.active)

    def _load(self) -> M | None:
        return self.model._default_manager.filter(status=self.active).first()

    def clear(self) -> None:
        self._kept.clear()

    def _marker_of(self, row: M) -> tuple:
        return tuple(_comparable(getattr(row, column)) for column in self.marker_columns)


def _comparable(value: Any) -> Any:
    """JSON as the database hands it (text on SQLite, parsed on PostgreSQL) made one text."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return json.dumps(parsed, sort_keys=True) if isinstance(parsed, dict | list) else value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


# --- maker-checker over versioned thresholds ------------------------------------------------------


def staff_user_pk(actor: Actor, *, required: bool = True) -> int | None:
    """The staff user behind ``actor``: makers and checkers are people. A system actor (the
    CLI, a migration) has none; ``required`` refuses it."""
    if actor.kind == "staff" and actor.user_pk is not None:
        return actor.user_pk
    if required or actor.kind == "borrower":
        raise PermissionDenied(
            _("Only a signed-in member of staff can do this."),
            code="staff_user_required",
            fields={"actor": actor.label},
        )
    return None


def refuse_own_change(
    maker_pk: int | None, checker_pk: int, object_id: str, *, id_field: str = "version_id"
) -> None:
    """Maker-checker: the person who proposed a version cannot approve it."""
    if maker_pk is not None and maker_pk == checker_pk:
        raise BusinessRuleViolation(
            _("The maker of a version cannot approve it."),
            code="maker_cannot_approve",
            fields={id_field: object_id},
        )


def save_activation(version: models.Model, fields: list[str]) -> None:
    """Save ``version`` as the active one. Two checkers activating two versions at once: the
    second finds no active row left to lock and its save breaks the one-active constraint;
    that is a 409 to retry, not a 500."""
    try:
        with transaction.atomic():
            version.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(
            _("Another version was activated at the same time; try again."),
            code="concurrent_activation",
        ) from None


@dataclass(frozen=True)
class VersionedThresholds(Generic[M]):
    """Maker-checker over a model of versioned thresholds (``version``, ``status`` draft →
    active → retired, ``thresholds``, ``note``, ``maker``, ``checker``, ``activated_at``,
    ``retired_at``): a maker drafts the latest version's thresholds with changes merged in; a
    checker who is someone else activates the draft, retiring the active version in the same
    transaction. Every step is audited as ``<audit_type>.draft_created / .retired /
    .activated``. The app gives its permissions, its checks and its refusals' wording."""

    model: type[M]
    audit_type: str
    add_perm: str
    approve_perm: str
    merge: Callable[[Mapping[str, Any], Mapping[str, Any]], dict]
    validate: Callable[[Mapping[str, Any]], dict]
    snapshot: Callable[[M], dict]
    locked: Callable[[str], M]  # the version by public id, row-locked (the app's 404)
    not_draft: tuple[str, Any]  # (code, message) for activating a non-draft
    version_taken: str  # code of the 409 when two drafts take one number
    clean_note: Callable[[Any], str]
    ensure_active: Callable[[], M]  # the app's active_...(): makes version 1 on first use
    id_field: str = "version_id"

    def create_draft(self, *, actor: Actor, changes: Mapping[str, Any], note: Any) -> M:
        actor.require(self.add_perm)
        maker_pk = staff_user_pk(actor)
        note = self.clean_note(note)
        if not isinstance(changes, Mapping):
            raise ValidationFailed(
                code="invalid_thresholds", fields={"changes": _("Must be a JSON object.")}
            )
        self.ensure_active()
        manager = self.model._default_manager
        with transaction.atomic():
            latest = manager.select_for_update().order_by("-version").first()
            thresholds = self.validate(self.merge(latest.thresholds, changes))
            version = (manager.aggregate(top=Max("version"))["top"] or 0) + 1
            try:
                with transaction.atomic():
                    draft = manager.create(
                        version=version,
                        status="draft",
                        thresholds=thresholds,
                        note=note,
                        maker_id=maker_pk,
                    )
            except IntegrityError:
                raise Conflict(
                    _("Another version was created at the same time; try again."),
                    code=self.version_taken,
                ) from None
            record_audit(
                actor=actor,
                action=f"{self.audit_type}.draft_created",
                object_type=self.audit_type,
                object_id=draft.public_id,
                before={"copied_from": latest.public_id},
                after=self.snapshot(draft),
            )
        return draft

    def activate(self, *, actor: Actor, version_id: str) -> M:
        actor.require(self.approve_perm)
        checker_pk = staff_user_pk(actor)
        with transaction.atomic():
            manager = self.model._default_manager
            previous = manager.select_for_update().filter(status="active").first()
            draft = self.locked(version_id)
            if draft.status != "draft":
                code, message = self.not_draft
                raise Conflict(message, code=code, fields={"status": draft.status})
            refuse_own_change(draft.maker_id, checker_pk, draft.public_id, id_field=self.id_field)
            self.validate(draft.thresholds)
            now = timezone.now()
            if previous is not None:
                previous.status, previous.retired_at = "retired", now
                previous.save(update_fields=["status", "retired_at"])
                record_audit(
                    actor=actor,
                    action=f"{self.audit_type}.retired",
                    object_type=self.audit_type,
                    object_id=previous.public_id,
                    before={"status": "active"},
                    after={"status": previous.status, "replaced_by": draft.public_id},
                )
            draft.status, draft.checker_id, draft.activated_at = "active", checker_pk, now
            save_activation(draft, ["status", "checker", "activated_at"])
            record_audit(
                actor=actor,
                action=f"{self.audit_type}.activated",
                object_type=self.audit_type,
                object_id=draft.public_id,
                before={"status": "draft"},
                after={"status": draft.status, "version": draft.version},
            )
        return draft
