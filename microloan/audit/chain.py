"""The hash chain of the audit trail. Pure: no ORM, no clock.

Each record's hash is SHA-256 over a canonical JSON of its fields plus the previous record's
hash, so changing, removing or reordering any record breaks every hash after it.

The canonical form must give the same text for what was written and for what the database
hands back. PostgreSQL's ``jsonb`` reorders keys and rewrites numbers (``1e20`` comes back as
``100000000000000000000``, ``-0.0`` as ``0.0``), so keys are sorted and every number is written
as its normalised decimal value; ``1`` and ``1.0`` hash alike, which loses nothing an auditor needs.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
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


# --- Keyed anchoring -------------------------------------------------------------------------
# The hash chain alone proves nothing to someone who can rewrite the table: they recompute every
# later hash. A MAC under a key kept outside the database (AUDIT_HMAC_KEY) cannot be recomputed
# without the key; the MAC covers the record hash, which covers every field and the previous hash.

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
MIN_KEY_BYTES = 32
_RECORD_MAC_CONTEXT = b"microloan.audit.record\x00"
_ANCHOR_MAC_CONTEXT = b"microloan.audit.anchor\x00"


class AuditKeyError(ValueError):
    """AUDIT_HMAC_KEY is malformed."""


@dataclass(frozen=True)
class AuditKeys:
    """Every key that verifies, by id; ``signing_id`` is the one new MACs are made with."""

    keys: dict[str, bytes]
    signing_id: str

    def get(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)

    @property
    def signing_key(self) -> bytes:
        return self.keys[self.signing_id]


def parse_audit_keys(text: str) -> AuditKeys:
    """``"a1:base64key,a2:base64key"``: every key verifies, the last one signs (rotation)."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in text.split(",")):
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID_PATTERN.match(key_id):
            raise AuditKeyError("AUDIT_HMAC_KEY items are id:base64key with ids of [A-Za-z0-9_-]")
        if key_id in keys:
            raise AuditKeyError(f"AUDIT_HMAC_KEY names key id {key_id!r} twice")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise AuditKeyError(f"AUDIT_HMAC_KEY key {key_id!r} is not base64") from None
        if len(key) < MIN_KEY_BYTES:
            raise AuditKeyError(f"AUDIT_HMAC_KEY key {key_id!r} is under {MIN_KEY_BYTES} bytes")
        keys[key_id] = key
        signing_id = key_id
    return AuditKeys(keys=keys, signing_id=signing_id)


def compute_record_mac(key: bytes, key_id: str, record_hash: str) -> str:
    message = _RECORD_MAC_CONTEXT + f"{key_id}\x00{record_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def anchor_json(fields: dict[str, Any]) -> str:
    """An anchor line's text: plain JSON, keys sorted (numbers stay integers, unlike the
    normalised numbers of ``canonical_json``)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_anchor_mac(key: bytes, fields: dict[str, Any]) -> str:
    """MAC of an anchor line's fields (everything but the MAC itself)."""
    message = _ANCHOR_MAC_CONTEXT + anchor_json(fields).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def macs_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
