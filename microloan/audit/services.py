"""Writing, reading, anchoring and verifying the audit trail.

``record_audit`` is what every other app's services call, inside their own transaction, so a
change and its audit record commit or roll back together. ``anchor_audit_chain`` writes the
signed chain head to the anchor file (end of day, ``microloan audit anchor``);
``verify_audit_chain`` checks every record's hash and MAC and the chain against the anchors.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.masking import mask_personal_data
from microloan.kernel.request_context import current_request_id
from microloan.kernel.sql import select_values

from .anchors import Anchor, AnchorFileBroken, append_anchor, read_anchors
from .chain import GENESIS_HASH, AuditKeys, compute_record_mac, macs_equal
from .keys import audit_keys
from .models import AuditChainHead, AuditRecord

VIEW_PERMISSION = "audit.view_auditrecord"
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
VERIFY_CHUNK_SIZE = 2000
_HEAD_ID = '"id"'
logger = logging.getLogger(__name__)


class AuditOutsideTransaction(RuntimeError):
    """``record_audit`` was called with no transaction open: the change could commit without it."""


def _field(name: str, value: str, max_length: int) -> str:
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ValueError(
            f"audit {name} must be a non-empty string of at most {max_length} characters"
        )
    return value


def _stored_json(data: dict | None) -> Any:
    """``data`` as plain JSON values with personal data masked.

    Decimals, dates, datetimes and UUIDs become strings (Django's JSON encoder); anything else
    that JSON cannot hold, and NaN or infinity, is refused. The round trip also makes the data
    exactly what the database will hand back, so the hash computed now is the one verified later.
    """
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError("audit before/after must be a dict or None")
    plain = json.loads(json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False))
    return mask_personal_data(plain)


def _locked_chain_head() -> tuple[int, str]:
    """(last seq, last hash), the head row locked. Prepared SQL: every audited change runs it."""
    found = select_values(
        AuditChainHead, ["last_seq", "last_hash"], f"{_HEAD_ID} = %s", [1], lock=True
    )
    if found:
        return found[0]
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    return head.last_seq, head.last_hash


def _advance_chain_head(seq: int, record_hash: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(AuditChainHead._meta.db_table)} SET {quote('last_seq')} = %s,"
            f" {quote('last_hash')} = %s WHERE {_HEAD_ID} = %s",
            [seq, record_hash, 1],
        )


def record_audit(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Append one record to the audit trail, inside the caller's open transaction.

    ``action`` is dotted ("loan.written_off"); ``before``/``after`` hold the changed fields, with
    personal data (kernel.masking.PERSONAL_DATA_KEYS) masked before they are stored.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(
            "record_audit() must run inside the transaction of the change"
        )
    if not ACTION_PATTERN.match(action or "") or len(action) > 100:
        raise ValueError(f"audit action must be dotted lower-case words, got {action!r}")
    record = AuditRecord(
        actor_kind=_field("actor kind", actor.kind, 16),
        actor_id=_field("actor id", actor.id, 150),
        action=action,
        object_type=_field("object type", object_type, 64),
        object_id=_field("object id", str(object_id), 100),
        before=_stored_json(before),
        after=_stored_json(after),
        request_id=current_request_id()[:64],
    )
    # The head's row lock is held until the caller commits: call this late in the transaction.
    last_seq, last_hash = _locked_chain_head()
    record.created_at = timezone.now()  # taken under the lock, so time follows seq order
    record.seq = last_seq + 1
    record.prev_hash = last_hash
    record.record_hash = record.compute_hash()
    keys = audit_keys()
    record.key_id = keys.signing_id
    record.record_mac = compute_record_mac(keys.signing_key, keys.signing_id, record.record_hash)
    record.save()
    _advance_chain_head(record.seq, record.record_hash)
    return record


def list_audit_records(
    *,
    actor: Actor,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditRecord]:
    """Records matching every given filter, newest first. Dates are local days, inclusive."""
    actor.require(VIEW_PERMISSION)
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(fields={"date_to": _("The end date is before the start date.")})
    records = AuditRecord.objects.all()
    exact = {"object_type": object_type, "object_id": object_id, "actor_id": actor_id}
    records = records.filter(**{k: v for k, v in exact.items() if v})
    if action:
        # "loan" finds every loan.* action; a full name finds just that one.
        records = (
            records.filter(action__startswith=action)
            if "." not in action
            else records.filter(action=action)
        )
    if date_from:
        records = records.filter(created_at__gte=_start_of_day(date_from))
    if date_to:
        records = records.filter(created_at__lt=_start_of_day(date_to + dt.timedelta(days=1)))
    return records.order_by("-seq")


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class BrokenRecord:
    seq: int
    object_type: str
    object_id: str
    # "hash_mismatch" | "prev_hash_mismatch" | "missing_records" | "head_mismatch"
    # | "unknown_key" | "mac_mismatch" | "anchor_mismatch" | "records_removed"
    # | "anchor_file_broken"
    problem: str
    detail: str
    expected_hash: str  # never a MAC: that would hand a forger the value to write
    stored_hash: str


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    verified: int
    first_broken: BrokenRecord | None = None
    anchors: int = 0  # anchors checked
    anchored_seq: int = 0  # the last anchored record; later ones rest on their MACs alone

    def as_dict(self) -> dict:
        return asdict(self)


class AnchorRefused(Exception):
    """The chain since the last anchor does not verify: signing its head would vouch for it."""

    def __init__(self, broken: BrokenRecord):
        super().__init__(f"{broken.problem}: {broken.detail}")
        self.broken = broken


@dataclass(frozen=True)
class AnchorWritten:
    seq: int
    record_hash: str
    anchored_at: dt.datetime
    checked: int  # records verified since the previous anchor
    path: str


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _file_broken(error: AnchorFileBroken) -> BrokenRecord:
    detail = gettext("The anchor file %(path)s was altered: %(error)s") % {
        "path": anchor_file(),
        "error": error,
    }
    return BrokenRecord(0, "", "", "anchor_file_broken", detail, "", "")


def _chain_head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(id=1).first()
    return (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)


@dataclass
class _Walk:
    """Where a walk along the chain got to."""

    verified: int
    next_seq: int
    prev_hash: str
    last: AuditRecord | None = None
    broken: BrokenRecord | None = None


def _walk_chain(
    walk: _Walk,
    end_seq: int,
    keys: AuditKeys,
    anchored: dict[int, list[Anchor]],
    chunk_size: int,
) -> _Walk:
    """Check records ``walk.next_seq``..``end_seq`` in order; stop at the first break."""
    while walk.next_seq <= end_seq:
        chunk = list(
            AuditRecord.objects.filter(seq__gte=walk.next_seq, seq__lte=end_seq).order_by("seq")[
                :chunk_size
            ]
        )
        for record in chunk:
            walk.broken = _check_record(
                record, walk.next_seq, walk.prev_hash, keys, anchored.get(record.seq, ())
            )
            if walk.broken:
                return walk
            walk.verified += 1
            walk.next_seq, walk.prev_hash, walk.last = record.seq + 1, record.record_hash, record
        if len(chunk) < chunk_size:
            break
    return walk


def _anchors_by_seq(anchors: list[Anchor]) -> dict[int, list[Anchor]]:
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    return by_seq


def _cut_below_anchor(anchor: Anchor, chain_end: int, last: AuditRecord | None) -> BrokenRecord:
    detail = gettext(
        "The anchor of %(time)s (line %(line)d of the anchor file) names record %(anchored)d,"
        " but the chain ends at record %(end)d: records were removed from the end or the chain"
        " head was moved back."
    ) % {"time": anchor.anchored_at, "line": anchor.line, "anchored": anchor.seq, "end": chain_end}
    return BrokenRecord(
        anchor.seq,
        last.object_type if last else "",
        last.object_id if last else "",
        "records_removed",
        detail,
        anchor.record_hash,
        last.record_hash if last else GENESIS_HASH,
    )


def verify_audit_chain(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> ChainVerification:
    """Walk the chain in ``seq`` order, recomputing every hash and MAC; stop at the first break.

    Catches an edited record (its hash no longer matches), a record re-hashed after editing (its
    MAC no longer matches: the key is not in the database), removed records (a gap in ``seq``),
    records removed from the end (the chain head names a later record, or an anchor does), a
    record that differs from what an anchor recorded, and an altered anchor file. The head is
    read first and the walk stops at it, so records appended meanwhile are left for next time.
    Records after the last anchor rest on their MACs alone: cutting them off is detectable
    only once they are anchored, so anchor often (every end of day does).
    """
    keys = audit_keys()
    try:
        anchors = read_anchors(anchor_file(), keys)
    except AnchorFileBroken as error:
        return ChainVerification(ok=False, verified=0, first_broken=_file_broken(error))
    head_seq, head_hash = _chain_head()
    walk = _walk_chain(
        _Walk(0, 1, GENESIS_HASH), head_seq, keys, _anchors_by_seq(anchors), chunk_size
    )
    anchored_seq = anchors[-1].seq if anchors else 0

    def result(broken: BrokenRecord | None) -> ChainVerification:
        return ChainVerification(broken is None, walk.verified, broken, len(anchors), anchored_seq)

    if walk.broken:
        return result(walk.broken)
    chain_end, last = walk.next_seq - 1, walk.last
    if (head_seq, head_hash) != (chain_end, walk.prev_hash):
        detail = gettext("The chain head names record %(head)d; the chain ends at %(end)d.") % {
            "head": head_seq,
            "end": chain_end,
        }
        return result(
            BrokenRecord(
                head_seq,
                last.object_type if last else "",
                last.object_id if last else "",
                "head_mismatch",
                detail,
                head_hash,
                walk.prev_hash,
            )
        )
    if anchors and anchors[-1].seq > chain_end:
        return result(_cut_below_anchor(anchors[-1], chain_end, last))
    return result(None)


def anchor_audit_chain(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> AnchorWritten:
    """Sign the chain head and append it to the anchor file (``AUDIT_ANCHOR_FILE``).

    The records written since the previous anchor are verified first, hash and MAC, and must
    continue that anchor: an anchor vouches for everything below it, so a broken chain is not
    anchored (AnchorRefused); nor is an altered anchor file (AnchorFileBroken).
    """
    keys, path = audit_keys(), anchor_file()
    anchors = read_anchors(path, keys)
    last_anchor = anchors[-1] if anchors else None
    head_seq, head_hash = _chain_head()
    start = (
        _Walk(0, last_anchor.seq + 1, last_anchor.record_hash)
        if last_anchor
        else _Walk(0, 1, GENESIS_HASH)
    )
    walk = _walk_chain(start, head_seq, keys, {}, chunk_size)
    if walk.broken:
        raise AnchorRefused(walk.broken)
    chain_end = walk.next_seq - 1
    if last_anchor and last_anchor.seq > chain_end:
        raise AnchorRefused(_cut_below_anchor(last_anchor, chain_end, walk.last))
    if (head_seq, head_hash) != (chain_end, walk.prev_hash):
        detail = gettext("The chain head names record %(head)d; the chain ends at %(end)d.") % {
            "head": head_seq,
            "end": chain_end,
        }
        raise AnchorRefused(
            BrokenRecord(head_seq, "", "", "head_mismatch", detail, head_hash, walk.prev_hash)
        )
    moment = timezone.now()
    append_anchor(path, keys, seq=head_seq, record_hash=head_hash, at=moment)
    return AnchorWritten(head_seq, head_hash, moment, walk.verified, str(path))


def anchor_at_day_close() -> None:
    """End of day's anchor, run after the day's commit: a failure is logged loudly, not raised,
    because the business day is committed already; ``audit verify`` names the cause."""
    try:
        written = anchor_audit_chain()
    except (AnchorRefused, AnchorFileBroken, OSError):
        logger.exception("The audit chain was NOT anchored at the close of the day.")
        return
    logger.debug("Audit chain anchored at record %s in %s.", written.seq, written.path)


def _check_record(
    record: AuditRecord,
    expected_seq: int,
    prev_hash: str,
    keys: AuditKeys,
    anchors: tuple[Anchor, ...] | list[Anchor] = (),
) -> BrokenRecord | None:
    def broken(problem: str, detail: str, expected: str, stored: str) -> BrokenRecord:
        return BrokenRecord(
            record.seq, record.object_type, record.object_id, problem, detail, expected, stored
        )

    if record.seq != expected_seq:
        detail = gettext("Records %(first)d to %(last)d are missing.") % {
            "first": expected_seq,
            "last": record.seq - 1,
        }
        return broken("missing_records", detail, prev_hash, record.prev_hash)
    if record.prev_hash != prev_hash:
        detail = gettext("prev_hash does not match the previous record's hash.")
        return broken("prev_hash_mismatch", detail, prev_hash, record.prev_hash)
    recomputed = record.compute_hash()
    if recomputed != record.record_hash:
        detail = gettext("The record's content does not match its hash.")
        return broken("hash_mismatch", detail, recomputed, record.record_hash)
    key = keys.get(record.key_id)
    if key is None:
        detail = gettext(
            "The record was signed with key id “%(key_id)s”, which AUDIT_HMAC_KEY does not hold."
        ) % {"key_id": record.key_id}
        return broken("unknown_key", detail, "", record.record_hash)
    if not macs_equal(
        compute_record_mac(key, record.key_id, record.record_hash), record.record_mac
    ):
        detail = gettext(
            "The record's MAC does not match: it was changed and re-hashed by someone without the"
            " audit key."
        )
        return broken("mac_mismatch", detail, "", record.record_hash)
    for anchor in anchors:
        if anchor.record_hash != record.record_hash:
            detail = gettext(
                "The anchor of %(time)s (line %(line)d of the anchor file) recorded another hash"
                " for this record."
            ) % {"time": anchor.anchored_at, "line": anchor.line}
            return broken("anchor_mismatch", detail, anchor.record_hash, record.record_hash)
    return None


def count_audit_records() -> int:
    """How many records the trail holds (the chain head's sequence: no table scan)."""
    head = AuditChainHead.objects.filter(id=1).only("last_seq").first()
    return head.last_seq if head else 0
