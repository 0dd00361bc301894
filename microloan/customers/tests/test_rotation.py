"""Key rotation, key status and blind-index rebuilding (services and the ``keys`` command)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from microloan.audit.models import AuditRecord
from microloan.customers import services
from microloan.customers.crypto import FieldDecryptionError
from microloan.customers.key_rotation import (
    key_status,
    reindex_blind_indexes,
    rotate_encryption_keys,
)
from microloan.customers.models import Customer
from microloan.customers.testing import make_customer

from .conftest import KEY_1, KEY_2

pytestmark = pytest.mark.django_db

ENCRYPTED = ("name", "id_number", "phone", "bank_card_number", "address")


def _stored_key_ids():
    columns = ", ".join(ENCRYPTED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM customers_customer")
        return {value.split(":")[1] for row in cursor.fetchall() for value in row}


def _clear_values():
    return {
        c.public_id: tuple(getattr(c, name) for name in ENCRYPTED) for c in Customer.objects.all()
    }


@pytest.fixture
def old_rows(settings):
    """Five customers written under key t1 only; then t2 is added as the newest key."""
    customers = [make_customer(phone=f"1390000000{i}") for i in range(5)]
    settings.FIELD_ENCRYPTION_KEYS = f"t1:{KEY_1},t2:{KEY_2}"
    return customers


def _count(status, column, key_id):
    return next(c for c in status.columns if c.column == column).per_key[key_id]


def test_rows_under_the_old_key_stay_readable_and_status_counts_them(old_rows):
    assert Customer.objects.get(pk=old_rows[0].pk).phone == "13900000000"
    status = key_status()
    assert status.current_key_id == "t2"
    assert _count(status, "customers.Customer.phone", "t1") == 5
    assert _count(status, "customers.Customer.phone", "t2") == 0
    assert status.values_to_rotate == 5 * len(ENCRYPTED)
    assert status.indexes_to_rebuild == 0


def test_rotation_moves_everything_to_the_newest_key_and_changes_no_value(old_rows):
    clear = _clear_values()
    new = make_customer(phone="13900000009")  # already under t2: left alone
    report = rotate_encryption_keys(chunk_size=2)
    assert report.rows == {"customers.Customer": 5}
    assert report.values == {"customers.Customer": 5 * len(ENCRYPTED)}
    assert _stored_key_ids() == {"t2"}
    assert {k: v for k, v in _clear_values().items() if k != new.public_id} == clear
    assert key_status().values_to_rotate == 0
    assert services.find_by_phone("+86 139 0000 0003").get() == old_rows[3]
    assert services.find_by_id_number(old_rows[1].id_number) == old_rows[1]
    [record] = AuditRecord.objects.filter(action="field_keys.rotated")
    assert record.object_id == "t2" and record.after["rows"] == {"customers.Customer": 5}


def test_rotation_is_idempotent(old_rows):
    rotate_encryption_keys()
    assert rotate_encryption_keys().total_rows == 0
    assert _stored_key_ids() == {"t2"}


def test_the_old_key_can_go_after_rotation_but_not_before(old_rows, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"t2:{KEY_2}"
    with pytest.raises(FieldDecryptionError, match="no longer lists"):
        Customer.objects.get(pk=old_rows[0].pk)
    with pytest.raises(FieldDecryptionError):
        rotate_encryption_keys()
    settings.FIELD_ENCRYPTION_KEYS = f"t1:{KEY_1},t2:{KEY_2}"
    rotate_encryption_keys()
    settings.FIELD_ENCRYPTION_KEYS = f"t2:{KEY_2}"
    status = key_status()
    assert status.values_to_rotate == 0
    # The index key was derived from t1 and changed with it: look-ups need a re-index.
    assert status.indexes_to_rebuild == 5 * 3
    assert not services.find_by_phone("13900000002").exists()
    report = reindex_blind_indexes(chunk_size=2)
    assert report.values == {"customers.Customer": 5 * 3}
    assert services.find_by_phone("13900000002").get() == old_rows[2]
    assert reindex_blind_indexes().total_rows == 0


def test_a_dedicated_blind_index_key_needs_a_reindex(old_rows, settings):
    settings.FIELD_BLIND_INDEX_KEY = KEY_2
    assert key_status().indexes_to_rebuild == 15
    assert services.find_by_id_number(old_rows[0].id_number) is None
    reindex_blind_indexes()
    assert services.find_by_id_number(old_rows[0].id_number) == old_rows[0]
    assert key_status().indexes_to_rebuild == 0


def test_the_keys_command(old_rows):
    out = StringIO()
    call_command("keys", "status", stdout=out)
    assert "customers.Customer.phone: t1=5 t2=0" in out.getvalue()
    assert "25 values need `microloan keys rotate`" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("keys", "status", "--check", stdout=StringIO())
    out = StringIO()
    call_command("keys", "rotate", "--chunk-size", "3", stdout=out)
    assert "customers.Customer: 5 rows, 25 values re-encrypted" in out.getvalue()
    out = StringIO()
    call_command("keys", "status", "--check", stdout=out)
    assert "Everything is on the current keys." in out.getvalue()
    out = StringIO()
    call_command("keys", "reindex", stdout=out)
    assert "Done: 0 rows rewritten." in out.getvalue()
    with pytest.raises(CommandError, match="chunk-size"):
        call_command("keys", "rotate", "--chunk-size", "0")
