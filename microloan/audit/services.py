"""Writing, reading and verifying the audit trail.

``record_audit`` is what every other app's services call, inside their own transaction, so a
change and its audit record commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.api.middleware import current_request_id
from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.masking import mask_personal_data
from microloan.kernel.sql import select_values

from .chain import GENESIS_HASH
from .models import AuditChainHead, AuditRecord

VIEW_PERMISSION = "audit.view_auditrecord"
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
VERIFY_CHUNK_SIZE = 2000
_HEAD_ID = '"id"'


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
    problem: str  # "hash_mismatch" | "prev_hash_mismatch" | "missing_records" | "head_mismatch"
    detail: str
    expected_hash: str
    stored_hash: str


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    verified: int
    first_broken: BrokenRecord | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def verify_audit_chain(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> ChainVerification:
    """Walk the chain in ``seq`` order, recomputing every hash; stop at the first break.

    Catches an edited record (its hash no longer matches), a record re-hashed after editing (the
    next record's ``prev_hash`` no longer matches), removed records (a gap in ``seq``) and records
    removed from the end (the chain head names a later record than the last one found). The head
    is read first and the walk stops at it, so records appended meanwhile are left for next time.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    verified, expected_seq, prev_hash = 0, 1, GENESIS_HASH
    last: AuditRecord | None = None
    while expected_seq <= head_seq:
        chunk = list(
            AuditRecord.objects.filter(seq__gte=expected_seq, seq__lte=head_seq).order_by("seq")[
                :chunk_size
            ]
        )
        for record in chunk:
            broken = _check_record(record, expected_seq, prev_hash)
            if broken:
                return ChainVerification(ok=False, verified=verified, first_broken=broken)
            verified, expected_seq, prev_hash, last = (
                verified + 1,
                record.seq + 1,
                record.record_hash,
                record,
            )
        if len(chunk) < chunk_size:
            break
    if (head_seq, head_hash) != (expected_seq - 1, prev_hash):
        return ChainVerification(
            ok=False,
            verified=verified,
            first_broken=BrokenRecord(
                seq=head_seq,
                object_type=last.object_type if last else "",
                object_id=last.object_id if last else "",
                problem="head_mismatch",
                detail=f"the chain head names record {head_seq}; the chain ends at {verified}",
                expected_hash=head_hash,
                stored_hash=prev_hash,
            ),
        )
    return ChainVerification(ok=True, verified=verified)


def _check_record(record: AuditRecord, expected_seq: int, prev_hash: str) -> BrokenRecord | None:
    def broken(problem: str, detail: str, expected: str, stored: str) -> BrokenRecord:
        return BrokenRecord(
            record.seq, record.object_type, record.object_id, problem, detail, expected, stored
        )

    if record.seq != expected_seq:
        detail = f"records {expected_seq} to {record.seq - 1} are missing"
        return broken("missing_records", detail, prev_hash, record.prev_hash)
    if record.prev_hash != prev_hash:
        detail = "prev_hash does not match the previous record's hash"
        return broken("prev_hash_mismatch", detail, prev_hash, record.prev_hash)
    recomputed = record.compute_hash()
    if recomputed != record.record_hash:
        return broken(
            "hash_mismatch",
            "the record's content does not match its hash",
            recomputed,
            record.record_hash,
        )
    return None


def count_audit_records() -> int:
    """How many records the trail holds (the chain head's sequence: no table scan)."""
    head = AuditChainHead.objects.filter(id=1).only("last_seq").first()
    return head.last_seq if head else 0
