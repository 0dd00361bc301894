"""Nothing in the application, and no plain SQL, can change or remove an audit record."""

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from microloan.audit.models import AppendOnlyViolation, AuditRecord
from microloan.audit.services import record_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(clerk):
    return record_audit(
        actor=clerk, action="line.frozen", object_type="credit_line", object_id="line_1"
    )


def test_save_of_an_existing_record_is_refused(record):
    record.action = "line.unfrozen"
    with pytest.raises(AppendOnlyViolation):
        record.save()
    assert AuditRecord.objects.get().action == "line.frozen"


@pytest.mark.parametrize(
    "change",
    [
        lambda: AuditRecord.objects.get().delete(),
        lambda: AuditRecord.objects.all().delete(),
        lambda: AuditRecord.objects.filter(seq=1).update(action="line.unfrozen"),
        lambda: AuditRecord.objects.bulk_update(AuditRecord.objects.all(), ["action"]),
        lambda: AuditRecord.objects.update_or_create(seq=1, defaults={"action": "x.y"}),
        lambda: AuditRecord.objects.bulk_create([AuditRecord(seq=2)]),
    ],
    ids=["delete", "queryset-delete", "update", "bulk-update", "update-or-create", "bulk-create"],
)
def test_orm_changes_are_refused(record, change):
    with pytest.raises(AppendOnlyViolation):
        change()
    assert list(AuditRecord.objects.values_list("seq", "action")) == [(1, "line.frozen")]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditrecord SET action = 'line.unfrozen'",
        "UPDATE audit_auditrecord SET after = NULL WHERE seq = 1",
        "DELETE FROM audit_auditrecord",
        "DELETE FROM audit_auditrecord WHERE seq = 1",
    ],
)
def test_database_triggers_abort_raw_updates_and_deletes(record, sql):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditRecord.objects.get().record_hash == record.record_hash


def test_admin_is_read_only(record, django_user_model):
    model_admin = site._registry[AuditRecord]
    request = RequestFactory().get("/admin/")
    request.user = django_user_model(is_superuser=True, is_staff=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)
    assert model_admin.has_view_permission(request, record)
    assert not model_admin.get_actions(request)


def test_only_the_view_permission_exists():
    assert AuditRecord._meta.default_permissions == ("view",)
