"""Versioned configuration (admission policy, risk rule set, scorecard, early-warning policy):
the shared abstract models, the active version kept per process, and one maker-checker service.

Every kind is a model inheriting ``VersionedConfig`` (``VersionedThresholds`` when its payload
is a thresholds JSON checked by a ``kernel.thresholds`` schema) and one ``MakerChecker`` (a
subclass where the kind differs, e.g. scorecards are registered rather than drafted). Audit
records are written through ``kernel.audit_hook`` (the audit app registers the writer), so
kernel imports no app.

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
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actors import Actor
from .errors import BusinessRuleViolation, Conflict, PermissionDenied
from .ids import PUBLIC_ID_MAX_LENGTH, new_public_id

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


# --- the shared abstract models ------------------------------------------------------------------

NOTE_MAX_LENGTH = 500


class ConfigStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # proposed by a maker, not yet approved
    INACTIVE = "inactive", _("Inactive")  # registered (a scorecard), not yet activated
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")  # refused by a checker, with a reason


class VersionedConfig(models.Model):
    """What every versioned configuration row holds: a public id, a version number unique in
    its table, a status (one row active: each concrete model adds the partial unique
    constraint, whose name is its own), the maker and checker, when it was made, activated,
    retired or rejected, and the checker's reason for a rejection. Concrete models set
    ``ID_PREFIX`` for new public ids."""

    ID_PREFIX = "cfg"

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ConfigStatus.choices, default=ConfigStatus.DRAFT
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("checker's reason"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id(self.ID_PREFIX)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == ConfigStatus.ACTIVE


class VersionedThresholds(VersionedConfig):
    """A versioned configuration whose payload is one thresholds JSON object, checked by the
    kind's schema (``kernel.thresholds``), with the maker's note."""

    thresholds = models.JSONField(_("thresholds"))
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True


# --- maker-checker --------------------------------------------------------------------------------


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
    """Maker-checker: the person who proposed a version cannot approve or reject it."""
    if maker_pk is not None and maker_pk == checker_pk:
        raise BusinessRuleViolation(
            _("The maker of a version cannot approve or reject it."),
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
