"""Blacklist services: stored by blind index, audited, one live entry per value, expiry."""

import datetime as dt

import pytest
from django.utils import timezone

from microloan.audit.models import AuditRecord
from microloan.customers.crypto import blind_index
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from microloan.risk import services
from microloan.risk.models import BlacklistEntry

from .conftest import actor_of, staff_with

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


@pytest.fixture
def analyst():
    return actor_of(staff_with("risk.change_blacklistentry", "risk.view_blacklistentry"))


def _add(actor, kind="id", value=ID, **extra):
    return services.add_blacklist_entry(
        actor=actor, kind=kind, value=value, source=extra.pop("source", "manual"),
        reason=extra.pop("reason", "confirmed fraud"), **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "value", "stored", "hint"),
    [
        ("id", "110105 19491231 002x", ("id_number", ID), "110***********002X"),
        ("phone", "+86 138-0013-8000", ("phone", "13800138000"), "138****8000"),
        ("card", "6222 0212 3456 7894", ("card", "6222021234567894"), "622202******7894"),
        ("device", " dev-123 ", "dev-123", "dev-123"),
        ("ip", "2001:DB8::0001", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_values_are_stored_by_blind_index_or_normalised(analyst, kind, value, stored, hint):
    if isinstance(stored, tuple):  # computed here: the test keys are set by a fixture
        stored = blind_index(*stored)
    entry = _add(analyst, kind=kind, value=value)
    assert (entry.kind, entry.value_hash, entry.value_hint) == (kind, stored, hint)
    record = AuditRecord.objects.get(action="blacklist.entry_added", object_id=entry.public_id)
    assert record.actor_id == analyst.id
    assert "1949" not in str(record.after) and "13800138000" not in str(record.after)
    assert services.blacklisted_kinds({kind: stored}) == (kind,)


@pytest.mark.parametrize(
    ("kind", "value", "code", "field"),
    [
        ("passport", "E1234567", "unknown_blacklist_kind", "kind"),
        ("id", "110105194912310021", "invalid_id_number", "value"),
        ("phone", "12345", "invalid_phone", "value"),
        ("card", "6222021234567897", "invalid_card", "value"),
        ("device", "has space", "invalid_device_id", "value"),
        ("ip", "300.1.1.1", "invalid_ip", "value"),
        ("ip", "   ", "invalid_value", "value"),
    ],
)
def test_malformed_values_are_refused(analyst, kind, value, code, field):
    with pytest.raises(ValidationFailed) as refused:
        _add(analyst, kind=kind, value=value)
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])
    assert not BlacklistEntry.objects.exists()


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"source": "rumour"}, "unknown_source", "source"),
        ({"reason": "  "}, "reason_required", "reason"),
        ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, "expiry_in_past", "expires_at"),
    ],
)
def test_source_reason_and_expiry_are_checked(analyst, extra, code, field):
    with pytest.raises(ValidationFailed) as refused:
        _add(analyst, **extra)
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])


def test_a_live_duplicate_is_a_conflict(analyst):
    _add(analyst)
    with pytest.raises(Conflict) as refused:
        _add(analyst, value=ID.lower())
    assert refused.value.code == "blacklist_entry_exists"
    assert BlacklistEntry.objects.count() == 1


def test_expiry_ends_an_entry_and_the_value_can_be_listed_again(analyst):
    now = timezone.now()
    entry = _add(analyst, expires_at=now + dt.timedelta(days=1))
    key = {"id": entry.value_hash}
    assert services.blacklisted_kinds(key, at=now) == ("id",)
    assert services.blacklisted_kinds(key, at=now + dt.timedelta(days=1)) == ()  # exclusive end
    BlacklistEntry.objects.filter(pk=entry.pk).update(expires_at=now - dt.timedelta(seconds=1))
    assert services.blacklisted_kinds(key) == ()
    assert [
        e.public_id for e in services.list_blacklist_entries(actor=analyst, in_force=True)
    ] == []
    again = _add(analyst)
    entry.refresh_from_db()
    assert entry.removal_reason == "expired" and entry.removed_at is not None
    assert services.blacklisted_kinds(key) == ("id",)
    live = services.list_blacklist_entries(actor=analyst, in_force=True)
    assert [e.public_id for e in live] == [again.public_id]


def test_removal_keeps_the_row_and_is_audited(analyst):
    entry = _add(analyst, kind="device", value="dev-9")
    removed = services.remove_blacklist_entry(
        actor=analyst, entry_id=entry.public_id, reason="customer cleared"
    )
    assert removed.removed_at is not None and removed.removal_reason == "customer cleared"
    assert services.blacklisted_kinds({"device": "dev-9"}) == ()
    assert AuditRecord.objects.filter(
        action="blacklist.entry_removed", object_id=entry.public_id
    ).exists()
    with pytest.raises(Conflict):
        services.remove_blacklist_entry(actor=analyst, entry_id=entry.public_id, reason="again")
    with pytest.raises(NotFound):
        services.remove_blacklist_entry(actor=analyst, entry_id="bl_nope", reason="x")


def test_changes_need_the_permission():
    viewer = actor_of(staff_with("risk.view_blacklistentry"))
    with pytest.raises(PermissionDenied):
        _add(viewer)
    with pytest.raises(PermissionDenied):
        services.list_blacklist_entries(actor=Actor(kind="staff", id="x"))


def test_look_up_of_several_kinds_at_once(analyst):
    _add(analyst, kind="device", value="dev-1")
    _add(analyst, kind="ip", value="10.0.0.1")
    found = services.blacklisted_kinds(
        {"id": blind_index("id_number", ID), "device": "dev-1", "ip": "10.0.0.1", "card": ""}
    )
    assert found == ("device", "ip")
    assert services.blacklisted_kinds({}) == ()
