"""Anchors of the audit chain in append-only storage outside the database.

An anchor is one JSON line naming the chain head (sequence, record hash) at a moment, with the
id of the key that signed it, the SHA-256 of the previous line, and an HMAC over all of that.
Someone who can rewrite the database but not this file and not the key can neither cut records
below an anchored sequence nor rewrite an anchored record. The file is opened with O_APPEND and
appended under an exclusive lock, so two processes anchoring at once still chain their lines.
No ORM here: the services decide what to anchor.

Not done: an RFC 3161 timestamp from an outside authority (the platform runs without internet
access). With one, even someone holding the key and the file could not back-date an anchor.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .chain import (
    GENESIS_HASH,
    AuditKeys,
    anchor_json,
    canonical_timestamp,
    compute_anchor_mac,
    macs_equal,
)

ANCHOR_FORMAT = 1


@dataclass(frozen=True)
class Anchor:
    line: int  # 1-based line number in the file
    seq: int
    record_hash: str
    anchored_at: str  # ISO 8601, UTC


class AnchorFileBroken(Exception):
    """The anchor file was edited: a line is malformed, its MAC fails or its chain breaks."""

    def __init__(self, line: int, reason: str):
        super().__init__(_("line %(line)d: %(reason)s") % {"line": line, "reason": reason})
        self.line = line
        self.reason = reason


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _last_line(fd: int) -> str | None:
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    with os.fdopen(os.dup(fd), "rb") as handle:
        # Lines are ~300 bytes; read a tail big enough to hold the last one whole.
        handle.seek(max(0, size - 4096))
        lines = handle.read().decode("utf-8").rstrip("\n").split("\n")
        return lines[-1]


def append_anchor(path: Path, keys: AuditKeys, *, seq: int, record_hash: str, at: dt.datetime):
    """Append a signed anchor of (seq, record_hash, at), chained to the file's last line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # O_APPEND descriptors cannot be read; a second one reads the tail under the same lock.
        read_fd = os.open(path, os.O_RDONLY)
        try:
            last = _last_line(read_fd)
        finally:
            os.close(read_fd)
        fields = {
            "v": ANCHOR_FORMAT,
            "seq": seq,
            "record_hash": record_hash,
            "anchored_at": canonical_timestamp(at),
            "key_id": keys.signing_id,
            "prev": _line_hash(last) if last is not None else GENESIS_HASH,
        }
        fields["mac"] = compute_anchor_mac(keys.signing_key, fields)
        os.write(fd, (anchor_json(fields) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock


def read_anchors(path: Path, keys: AuditKeys) -> list[Anchor]:
    """Every anchor in the file, checked; raises AnchorFileBroken at the first bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    anchors: list[Anchor] = []
    prev = GENESIS_HASH
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if line == "":
            if number == len(lines):
                break  # the newline ending the last line
            raise AnchorFileBroken(number, _("empty line"))
        anchors.append(_parse_line(number, line, keys, prev, anchors[-1] if anchors else None))
        prev = _line_hash(line)
    return anchors


def _parse_line(number: int, line: str, keys: AuditKeys, prev: str, before: Anchor | None):
    try:
        fields = json.loads(line)
        mac = fields.pop("mac")
        key_id, seq, record_hash = fields["key_id"], fields["seq"], fields["record_hash"]
        anchored_at, line_prev = fields["anchored_at"], fields["prev"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AnchorFileBroken(number, _("not an anchor line")) from None
    if set(fields) != {"v", "seq", "record_hash", "anchored_at", "key_id", "prev"}:
        raise AnchorFileBroken(number, _("unexpected fields"))
    key = keys.get(key_id) if isinstance(key_id, str) else None
    if key is None:
        raise AnchorFileBroken(
            number, _("signed with an unknown key id %(key_id)s") % {"key_id": key_id}
        )
    if not isinstance(mac, str) or not macs_equal(compute_anchor_mac(key, fields), mac):
        raise AnchorFileBroken(number, _("the signature does not match the line"))
    if line_prev != prev:
        raise AnchorFileBroken(number, _("it does not chain to the line before it"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise AnchorFileBroken(number, _("the sequence is not a non-negative integer"))
    if before is not None and (seq < before.seq or anchored_at < before.anchored_at):
        raise AnchorFileBroken(number, _("it goes back in sequence or time"))
    return Anchor(line=number, seq=seq, record_hash=record_hash, anchored_at=anchored_at)
