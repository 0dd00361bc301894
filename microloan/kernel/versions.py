"""The active version of a versioned configuration (admission policy, risk rule set, scorecard,
early-warning policy): one row with ``status = 'active'``, read on every application or
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

from django.db import IntegrityError, connection, models, transaction

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
