"""The blacklist: ID numbers, phones and cards by their blind index, devices and IPs as they are.

An entry is in force from its creation until it expires (``expires_at``, optional) or is
removed. Removal keeps the row (who, when, why) for the record. At most one entry per value is
live: adding a value whose entry is in force is a 409; an expired entry is closed
(``removal_reason`` "expired") when the same value is added again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.customers.crypto import blind_index
from microloan.customers.validation import (
    FieldInvalid,
    check_card_number,
    check_device_id,
    check_id_number,
    check_phone,
)
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, ValidationFailed
from microloan.kernel.masking import mask_card, mask_id_number, mask_phone
from microloan.kernel.services import get_business_date

from ..models import HASH_MAX_LENGTH, BlacklistEntry
from .common import PERM_CHANGE_BLACKLIST, PERM_VIEW_BLACKLIST, clean_reason, staff_user_pk

Kind = BlacklistEntry.Kind
# Blacklist kind -> the customers app's blind index kind, for the personal kinds.
BLIND_INDEX_KINDS = {Kind.ID: "id_number", Kind.PHONE: "phone", Kind.CARD: "card"}
EXPIRED = "expired"


def _invalid(problem: FieldInvalid | None = None) -> ValidationFailed:
    message = problem.message if problem else _("Not in the expected format.")
    return ValidationFailed(
        code=problem.code if problem else "invalid_value", fields={"value": message}
    )


def blacklist_key(kind: str, value: str) -> tuple[str, str]:
    """(stored value, masked hint) for a clear ``value`` of ``kind``; 422 when malformed."""
    if kind not in Kind.values:
        raise ValidationFailed(
            code="unknown_blacklist_kind",
            fields={"kind": _("Must be one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)}},
        )
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(code="invalid_value", fields={"value": _("This field is required.")})
    try:
        if kind == Kind.ID:
            number = check_id_number(value, today=get_business_date()).number
            return blind_index("id_number", number), mask_id_number(number)
        if kind == Kind.PHONE:
            phone = check_phone(value)
            return blind_index("phone", phone), mask_phone(phone)
        if kind == Kind.CARD:
            card = check_card_number(value)
            return blind_index("card", card), mask_card(card)
        if kind == Kind.DEVICE:
            device = check_device_id(value.strip())
            return device, device[:64]
    except FieldInvalid as problem:
        raise _invalid(problem) from None
    try:
        address = str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValidationFailed(
            code="invalid_ip", fields={"value": _("Enter an IPv4 or IPv6 address.")}
        ) from None
    return address, address


def _expires_at(value: Any, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise ValidationFailed(
            code="invalid_expiry", fields={"expires_at": _("Must be a date and time.")}
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= now:
        raise ValidationFailed(
            code="expiry_in_past", fields={"expires_at": _("Must be in the future.")}
        )
    return value


def entry_snapshot(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "value_hint": entry.value_hint,
        "source": entry.source,
        "reason": entry.reason,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
        "removed_at": entry.removed_at.isoformat() if entry.removed_at else None,
        "removal_reason": entry.removal_reason,
    }


def _already_listed(kind: str, hint: str) -> Conflict:
    return Conflict(
        _("This value is already on the blacklist."),
        code="blacklist_entry_exists",
        fields={"kind": kind, "value": hint},
    )


def add_blacklist_entry(
    *,
    actor: Actor,
    kind: str,
    value: str,
    source: str,
    reason: str,
    expires_at: dt.datetime | None = None,
) -> BlacklistEntry:
    """Put a value (given in clear; only its blind index is stored) on the blacklist."""
    actor.require(PERM_CHANGE_BLACKLIST)
    creator_pk = staff_user_pk(actor, required=False)
    stored, hint = blacklist_key(kind, value)
    if source not in BlacklistEntry.Source.values:
        raise ValidationFailed(
            code="unknown_source",
            fields={
                "source": _("Must be one of: %(values)s.")
                % {"values": ", ".join(BlacklistEntry.Source.values)}
            },
        )
    reason = clean_reason(reason, required=True)
    now = timezone.now()
    expiry = _expires_at(expires_at, now)
    with transaction.atomic():
        live = (
            BlacklistEntry.objects.select_for_update()
            .filter(kind=kind, value_hash=stored, removed_at__isnull=True)
            .first()
        )
        if live is not None and live.is_in_force(now):
            raise _already_listed(kind, hint)
        if live is not None:  # expired: close it so the new entry can be the live one
            live.removed_at, live.removal_reason = now, EXPIRED
            live.save(update_fields=["removed_at", "removal_reason"])
        entry = BlacklistEntry(
            kind=kind,
            value_hash=stored,
            value_hint=hint,
            source=source,
            reason=reason,
            expires_at=expiry,
            created_by_id=creator_pk,
            created_at=now,
        )
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin fails here, cleanly
                entry.save()
        except IntegrityError:
            raise _already_listed(kind, hint) from None
        record_audit(
            actor=actor,
            action="blacklist.entry_added",
            object_type="blacklist_entry",
            object_id=entry.public_id,
            after=entry_snapshot(entry),
        )
    return entry


def _entry(entry_id: str, *, lock: bool = False) -> BlacklistEntry:
    entries = BlacklistEntry.objects.select_for_update() if lock else BlacklistEntry.objects
    entry = entries.filter(public_id=str(entry_id)[:60]).first()
    if entry is None:
        raise NotFound(
            _("No such blacklist entry."),
            code="blacklist_entry_not_found",
            fields={"entry_id": str(entry_id)[:60]},
        )
    return entry


def remove_blacklist_entry(*, actor: Actor, entry_id: str, reason: str) -> BlacklistEntry:
    """Take an entry off the blacklist (the row stays, marked removed)."""
    actor.require(PERM_CHANGE_BLACKLIST)
    remover_pk = staff_user_pk(actor, required=False)
    reason = clean_reason(reason, required=True)
    with transaction.atomic():
        entry = _entry(entry_id, lock=True)
        if entry.removed_at is not None:
            raise Conflict(
                _("This entry was already removed."),
                code="blacklist_entry_removed",
                fields={"entry_id": entry.public_id},
            )
        before = entry_snapshot(entry)
        entry.removed_at, entry.removed_by_id, entry.removal_reason = (
            timezone.now(),
            remover_pk,
            reason,
        )
        entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
        record_audit(
            actor=actor,
            action="blacklist.entry_removed",
            object_type="blacklist_entry",
            object_id=entry.public_id,
            before=before,
            after=entry_snapshot(entry),
        )
    return entry


def _in_force(at: dt.datetime) -> Q:
    return Q(removed_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def list_blacklist_entries(
    *,
    actor: Actor,
    kind: str | None = None,
    in_force: bool | None = None,
) -> QuerySet[BlacklistEntry]:
    """Entries, newest first; ``in_force`` True / False keeps only live / ended ones."""
    actor.require(PERM_VIEW_BLACKLIST)
    entries = BlacklistEntry.objects.select_related("created_by", "removed_by")
    if kind is not None:
        if kind not in Kind.values:
            raise ValidationFailed(
                code="unknown_blacklist_kind", fields={"kind": _("Unknown blacklist kind.")}
            )
        entries = entries.filter(kind=kind)
    if in_force is not None:
        live = _in_force(timezone.now())
        entries = entries.filter(live) if in_force else entries.exclude(live)
    return entries.order_by("-created_at", "-id")


def get_blacklist_entry(*, actor: Actor, entry_id: str) -> BlacklistEntry:
    actor.require(PERM_VIEW_BLACKLIST)
    return _entry(entry_id)


def blacklisted_kinds(keys: Mapping[str, str], *, at: dt.datetime | None = None) -> tuple[str, ...]:
    """The kinds among ``keys`` (kind -> stored value: blind index, device id, IP) that are on
    the blacklist and in force at ``at`` (default now). One query, in plain SQL: it runs twice
    per application and the ORM's compilation of the OR-ed pairs cost more than the look-up
    (the ``(kind, value_hash)`` pairs use the entry's unique index)."""
    pairs = [
        (kind, stored)
        for kind, stored in keys.items()
        if stored and kind in Kind.values and len(stored) <= HASH_MAX_LENGTH
    ]
    if not pairs:
        return ()
    quote = connection.ops.quote_name
    kind_column, value_column = quote("kind"), quote("value_hash")
    expires_column = quote("expires_at")
    sql = (
        f"SELECT DISTINCT {kind_column} FROM {quote(BlacklistEntry._meta.db_table)} WHERE ("
        + " OR ".join(f"({kind_column} = %s AND {value_column} = %s)" for _pair in pairs)
        + f") AND {quote('removed_at')} IS NULL"
        f" AND ({expires_column} IS NULL OR {expires_column} > %s)"
    )
    params = [item for pair in pairs for item in pair]
    params.append(connection.ops.adapt_datetimefield_value(at or timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        kinds = {row[0] for row in cursor.fetchall()}
    return tuple(kind for kind in Kind.values if kind in kinds)
