"""The hash chain of the audit trail. Pure: no ORM, no clock.

Each record's hash is SHA-256 over a canonical JSON of its fields plus the previous record's
hash, so changing, removing or reordering any record breaks every hash after it.

The canonical form must give the same text for what was written and for what the database
hands back. PostgreSQL's ``jsonb`` reorders keys and rewrites numbers (``1e20`` comes back as
``100000000000000000000``, ``-0.0`` as ``0.0``), so keys are sorted and every number is written
as its normalised decimal value; ``1`` and ``1.0`` hash alike, which loses nothing an auditor needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
    "prev_hash",
)


def _canonical_number(value: int | float) -> str:
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if number == 0:
        return "0"
    return str(number.normalize())


def canonical_json(value: Any) -> str:
    """Deterministic JSON text of ``value`` (dicts, lists, str, int, float, bool, None)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _canonical_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted((str(key), item) for key, item in value.items())
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{canonical_json(v)}" for k, v in items)
            + "}"
        )
    raise TypeError(f"not JSON data: {type(value).__name__}")


def canonical_timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def compute_record_hash(fields: dict[str, Any]) -> str:
    """SHA-256 hex over the canonical JSON of ``fields`` (exactly ``HASHED_FIELDS``)."""
    if set(fields) != set(HASHED_FIELDS):
        raise ValueError(f"hash needs exactly {HASHED_FIELDS}")
    payload = dict(fields, created_at=canonical_timestamp(fields["created_at"]))
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
