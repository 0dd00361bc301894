"""Key maintenance over every encrypted column of every model: status, rotation, re-indexing.

Works on any installed model with ``EncryptedTextField``/``BlindIndexField`` columns, so other
apps' encrypted columns are covered without changes here. Both rewrites go in primary-key order
in chunks, each chunk one transaction with its rows locked (``select_for_update``; on SQLite the
IMMEDIATE transaction does the same), so a concurrent edit is never overwritten with an older
value. Rows already done are skipped by the query itself, which makes both commands idempotent
and resumable after an interruption. Each run writes one audit record with its counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Count, Q

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor

from .crypto import CIPHERTEXT_VERSION, key_ring
from .fields import BlindIndexField, EncryptedTextField, raw_ciphertext

DEFAULT_CHUNK_SIZE = 500


@dataclass(frozen=True)
class EncryptedModel:
    model: type[models.Model]
    encrypted: tuple[EncryptedTextField, ...]
    indexes: tuple[BlindIndexField, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


def encrypted_models() -> list[EncryptedModel]:
    """Every installed concrete model with encrypted or blind-index columns."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = model._meta.concrete_fields
        encrypted = tuple(f for f in fields if isinstance(f, EncryptedTextField))
        indexes = tuple(f for f in fields if isinstance(f, BlindIndexField))
        if encrypted or indexes:
            found.append(EncryptedModel(model, encrypted, indexes))
    return found


def _raw(name: str) -> str:
    return f"_raw_{name}"


def _prefix(key_id: str) -> str:
    return f"{CIPHERTEXT_VERSION}:{key_id}:"


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnKeyStatus:
    column: str  # "customers.Customer.phone"
    per_key: dict[str, int]  # key id -> values encrypted with it
    unknown: int  # values naming a key id the ring does not hold (undecryptable)


@dataclass(frozen=True)
class IndexStatus:
    column: str
    current: int  # values made with the current blind-index key
    stale: int  # values made with another key, or missing: need `keys reindex`


@dataclass(frozen=True)
class KeyStatus:
    current_key_id: str
    blind_index_fingerprint: str
    columns: list[ColumnKeyStatus]
    indexes: list[IndexStatus]

    @property
    def values_to_rotate(self) -> int:
        current = self.current_key_id
        return sum(
            sum(n for kid, n in c.per_key.items() if kid != current) + c.unknown
            for c in self.columns
        )

    @property
    def indexes_to_rebuild(self) -> int:
        return sum(i.stale for i in self.indexes)


def key_status() -> KeyStatus:
    """Counts of stored values per encryption key id and of blind indexes per index key, one
    aggregate query per model (no decryption)."""
    ring = key_ring()
    key_ids = list(ring.keys)
    fingerprint = f"{ring.blind_index_fingerprint}:"
    columns, indexes = [], []
    for entry in encrypted_models():
        annotations = {_raw(f.name): raw_ciphertext(f.name) for f in entry.encrypted}
        aggregates = {}
        for i, f in enumerate(entry.encrypted):
            aggregates[f"e{i}"] = Count("pk", filter=Q(**{f"{_raw(f.name)}__isnull": False}))
            for j, kid in enumerate(key_ids):
                condition = Q(**{f"{_raw(f.name)}__startswith": _prefix(kid)})
                aggregates[f"e{i}_k{j}"] = Count("pk", filter=condition)
        for i, f in enumerate(entry.indexes):
            source_set = ~Q(**{f"{f.source}__isnull": True})
            aggregates[f"i{i}_all"] = Count("pk", filter=source_set)
            condition = Q(**{f"{f.name}__startswith": fingerprint})
            aggregates[f"i{i}_current"] = Count("pk", filter=condition)
        counts = entry.model._default_manager.annotate(**annotations).aggregate(**aggregates)
        for i, f in enumerate(entry.encrypted):
            per_key = {kid: counts[f"e{i}_k{j}"] for j, kid in enumerate(key_ids)}
            columns.append(
                ColumnKeyStatus(
                    column=f"{entry.label}.{f.name}",
                    per_key=per_key,
                    unknown=counts[f"e{i}"] - sum(per_key.values()),
                )
            )
        for i, f in enumerate(entry.indexes):
            current = counts[f"i{i}_current"]
            indexes.append(
                IndexStatus(
                    column=f"{entry.label}.{f.name}",
                    current=current,
                    stale=max(counts[f"i{i}_all"] - current, 0),
                )
            )
    return KeyStatus(ring.current_key_id, ring.blind_index_fingerprint, columns, indexes)


# --- rotation and re-indexing ----------------------------------------------------------------


@dataclass
class RewriteReport:
    rows: dict[str, int] = field(default_factory=dict)  # model label -> rows rewritten
    values: dict[str, int] = field(default_factory=dict)  # model label -> values rewritten

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _rewrite(entry: EncryptedModel, stale: Q, annotations: dict, rewrite, chunk_size: int):
    """Rewrite the rows matching ``stale`` chunk by chunk; ``rewrite(rows)`` returns how many
    values it changed. Returns (rows, values)."""
    manager = entry.model._default_manager
    last_pk, rows_done, values_done = None, 0, 0
    while True:
        with transaction.atomic():
            rows = manager.annotate(**annotations).filter(stale).order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            chunk = list(rows.select_for_update(of=("self",))[:chunk_size])
            if not chunk:
                return rows_done, values_done
            values_done += rewrite(chunk)
            rows_done += len(chunk)
            last_pk = chunk[-1].pk


def rotate_encryption_keys(
    *, chunk_size: int = DEFAULT_CHUNK_SIZE, actor: Actor | None = None
) -> RewriteReport:
    """Re-encrypt under the newest key every value stored under an older one.

    A value that cannot be decrypted (its key was removed from the ring) stops the run with
    ``FieldDecryptionError`` naming the column: nothing is skipped silently.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    ring = key_ring()
    current = _prefix(ring.current_key_id)
    report = RewriteReport()
    for entry in encrypted_models():
        if not entry.encrypted:
            continue
        annotations = {_raw(f.name): raw_ciphertext(f.name) for f in entry.encrypted}
        stale = Q()
        for f in entry.encrypted:
            stale |= Q(**{f"{_raw(f.name)}__isnull": False}) & ~Q(
                **{f"{_raw(f.name)}__startswith": current}
            )

        def rewrite(chunk, entry=entry):
            names = [f.name for f in entry.encrypted]
            # Loading decrypted every value; saving encrypts each under the newest key.
            entry.model._default_manager.bulk_update(chunk, names)
            return sum(
                1
                for row in chunk
                for name in names
                if getattr(row, _raw(name)) is not None
                and not getattr(row, _raw(name)).startswith(current)
            )

        rows, values = _rewrite(entry, stale, annotations, rewrite, chunk_size)
        report.rows[entry.label], report.values[entry.label] = rows, values
    _record(actor, "field_keys.rotated", ring.current_key_id, report)
    return report


def reindex_blind_indexes(
    *, chunk_size: int = DEFAULT_CHUNK_SIZE, actor: Actor | None = None
) -> RewriteReport:
    """Recompute every blind index not made with the current index key (after changing
    FIELD_BLIND_INDEX_KEY, or removing the first encryption key while it is unset)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    ring = key_ring()
    current = f"{ring.blind_index_fingerprint}:"
    report = RewriteReport()
    for entry in encrypted_models():
        if not entry.indexes:
            continue
        stale = Q()
        for f in entry.indexes:
            has_source = ~Q(**{f"{f.source}__isnull": True})
            stale |= has_source & (
                Q(**{f"{f.name}__isnull": True}) | ~Q(**{f"{f.name}__startswith": current})
            )

        def rewrite(chunk, entry=entry):
            changed = 0
            for row in chunk:
                for f in entry.indexes:
                    value = f.index_of(row)
                    if getattr(row, f.attname) != value:
                        setattr(row, f.attname, value)
                        changed += 1
            entry.model._default_manager.bulk_update(chunk, [f.name for f in entry.indexes])
            return changed

        rows, values = _rewrite(entry, stale, {}, rewrite, chunk_size)
        report.rows[entry.label], report.values[entry.label] = rows, values
    _record(actor, "field_keys.reindexed", ring.blind_index_fingerprint, report)
    return report


def _record(actor: Actor | None, action: str, object_id: str, report: RewriteReport) -> None:
    with transaction.atomic():
        record_audit(
            actor=actor or Actor.system("keys"),
            action=action,
            object_type="field_encryption",
            object_id=object_id,
            after={"rows": report.rows, "values": report.values},
        )
