"""Contract files are personal data: stored encrypted, bound to their name, rotated with the
field keys, and a damaged or moved file is reported, never served."""

from __future__ import annotations

import base64
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from microloan.contracts import storage
from microloan.customers.crypto import (
    FILE_MAGIC,
    FieldDecryptionError,
    bytes_key_id,
    decrypt_bytes,
    encrypt_bytes,
)
from microloan.kernel.errors import Conflict

from .helpers import TEST_FIELD_KEYS

PDF = b"%PDF-1.7\n1 0 obj << /Title (\xe5\xbc\xa0\xe4\xb8\x89 loan contract) >> endobj\n%%EOF\n"
NEW_KEY = "t2:" + base64.urlsafe_b64encode(bytes(range(32, 64))).decode()


@pytest.fixture(autouse=True)
def in_tmp(settings, tmp_path):
    settings.CONTRACT_STORAGE_DIR = str(tmp_path / "contracts")
    return settings


def _path(name: str) -> Path:
    return storage.storage_dir() / name


def test_a_stored_file_holds_no_plain_pdf_and_reads_back_exactly():
    name = storage.write_pdf("ctr_0001ab", "unsigned", PDF)
    assert name.endswith(".pdf.enc")
    blob = _path(name).read_bytes()
    assert blob.startswith(FILE_MAGIC) and b"%PDF" not in blob and "张三".encode() not in blob
    assert storage.read_pdf(name, storage.sha256_hex(PDF)) == PDF
    # writing the same bytes again keeps the file as it is
    assert storage.write_pdf("ctr_0001ab", "unsigned", PDF) == name
    assert _path(name).read_bytes() == blob


@pytest.mark.parametrize("offset", [0, len(FILE_MAGIC) + 1, len(FILE_MAGIC) + 5, -1])
def test_a_changed_byte_is_reported_not_served(offset):
    name = storage.write_pdf("ctr_0002ab", "sealed", PDF)
    blob = bytearray(_path(name).read_bytes())
    blob[offset] ^= 0x01
    _path(name).write_bytes(bytes(blob))
    with pytest.raises(Conflict) as refused:
        storage.read_pdf(name, storage.sha256_hex(PDF))
    assert refused.value.code == "stored_pdf_damaged"


def test_a_file_moved_under_another_name_does_not_decrypt():
    name = storage.write_pdf("ctr_0003ab", "sealed", PDF)
    other = name.replace("ctr_0003ab", "ctr_0004ab")
    _path(other).write_bytes(_path(name).read_bytes())
    with pytest.raises(Conflict):
        storage.read_pdf(other, storage.sha256_hex(PDF))


def test_a_file_written_before_encryption_is_still_read():
    name = "ab/ctr_0005ab-sealed-0123456789abcdef.pdf"
    _path(name).parent.mkdir(parents=True)
    _path(name).write_bytes(PDF)
    assert storage.read_pdf(name, storage.sha256_hex(PDF)) == PDF


def test_rotation_moves_every_file_to_the_newest_key_and_encrypts_plain_ones(settings):
    encrypted = storage.write_pdf("ctr_0006ab", "sealed", PDF)
    plain = "ab/ctr_0007ab-sealed-0123456789abcdef.pdf"
    _path(plain).write_bytes(PDF)
    settings.FIELD_ENCRYPTION_KEYS = f"{TEST_FIELD_KEYS},{NEW_KEY}"

    counted = storage.reencrypt_stored_files(dry_run=True)
    assert (counted.files, counted.rewritten) == (2, 2)
    assert bytes_key_id(_path(encrypted).read_bytes()) == "t1"  # a dry run changes nothing

    done = storage.reencrypt_stored_files()
    assert (done.files, done.rewritten) == (2, 2)
    assert storage.reencrypt_stored_files().rewritten == 0  # a rerun has nothing left
    settings.FIELD_ENCRYPTION_KEYS = NEW_KEY  # the old key can go now
    for name in (encrypted, plain):
        assert bytes_key_id(_path(name).read_bytes()) == "t2"
        assert storage.read_pdf(name, storage.sha256_hex(PDF)) == PDF


def test_keys_status_and_rotate_include_the_contract_files(settings, db):
    storage.write_pdf("ctr_0008ab", "sealed", PDF)
    settings.FIELD_ENCRYPTION_KEYS = f"{TEST_FIELD_KEYS},{NEW_KEY}"
    out = StringIO()
    call_command("keys", "status", stdout=out)
    assert "contract files: 1 stored, 1 on older keys" in out.getvalue()
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "contract files: 1 stored, 1 re-encrypted" in out.getvalue()
    out = StringIO()
    call_command("keys", "status", "--check", stdout=out)
    assert "contract files: 1 stored, 0 on older keys" in out.getvalue()


def test_encrypted_bytes_refuse_another_context_and_an_unknown_key(settings):
    blob = encrypt_bytes(PDF, context="contracts/a.pdf.enc")
    assert decrypt_bytes(blob, context="contracts/a.pdf.enc") == PDF
    with pytest.raises(FieldDecryptionError):
        decrypt_bytes(blob, context="contracts/b.pdf.enc")
    with pytest.raises(FieldDecryptionError):
        decrypt_bytes(PDF, context="contracts/a.pdf.enc")  # not ours
    settings.FIELD_ENCRYPTION_KEYS = NEW_KEY
    with pytest.raises(FieldDecryptionError, match="no longer"):
        decrypt_bytes(blob, context="contracts/a.pdf.enc")
