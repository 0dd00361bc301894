"""The append-only audit trail and the head of its hash chain.

Records are written only by ``services.record_audit``. Nothing in the application can change or
remove one: ``save()`` refuses updates, ``delete()`` refuses, the queryset refuses bulk
changes, the admin is read-only, and database triggers (migration 0002) abort any UPDATE or
DELETE issued behind the application's back. What a person with database access does anyway
(drop the triggers first) is caught by ``audit verify``, which recomputes the chain, checks each
record's MAC under a key the database does not hold, and compares the chain with the anchors
written outside the database (anchors.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.sql import PreparedInsert

from .chain import GENESIS_HASH, HASHED_FIELDS, compute_record_hash


class AppendOnlyViolation(Exception):
    """Code tried to change or remove an audit record. Always a bug."""


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation("audit records cannot be updated")

    def delete(self):
        raise AppendOnlyViolation("audit records cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyViolation("audit records cannot be updated")

    def bulk_create(self, objs, *args, **kwargs):
        # Each record needs the chain head's lock and the previous hash: one at a time.
        raise AppendOnlyViolation("audit records are appended one by one by record_audit()")

    def update_or_create(self, defaults=None, **kwargs):
        raise AppendOnlyViolation("audit records cannot be updated")


class AuditRecord(PreparedInsert, models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    actor_kind = models.CharField(_("actor kind"), max_length=16)
    actor_id = models.CharField(_("actor"), max_length=150, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=100)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)
    # HMAC of record_hash under the key named key_id (AUDIT_HMAC_KEY, never in the database).
    key_id = models.CharField(_("key id"), max_length=16, default="")
    record_mac = models.CharField(_("record MAC"), max_length=64, default="")

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-seq"]
        # Only viewing can be granted; there is no add/change/delete to give anyone.
        default_permissions = ("view",)
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("audit records cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("audit records cannot be deleted")

    def hashed_fields(self) -> dict:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self) -> str:
        return compute_record_hash(self.hashed_fields())


class AuditChainHead(models.Model):
    """The one row naming the last record of the chain.

    Appenders lock it (``select_for_update``) so on PostgreSQL they take turns and the chain
    never forks; it also lets ``verify`` notice records removed from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
