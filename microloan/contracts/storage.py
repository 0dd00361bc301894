"""Contract PDFs on disk, under ``CONTRACT_STORAGE_DIR`` (default ``var/contracts/``).

A contract names the borrower and their loan, so its files are personal data: each is stored
encrypted with AES-256-GCM under the newest ``FIELD_ENCRYPTION_KEYS`` key and bound to its
name (``customers.crypto.encrypt_bytes``); ``microloan keys rotate`` re-encrypts them with the
database's values. Files written before encryption (plain PDFs) are still read.

Files are written once under a name derived from the contract id and the content hash, so a
file is never overwritten with other bytes, and read back only after checking the SHA-256 of
the PDF against the hash recorded on the contract: a file changed on disk (or that fails
decryption) is reported, never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from microloan.customers.crypto import (
    FieldDecryptionError,
    bytes_key_id,
    decrypt_bytes,
    encrypt_bytes,
    is_encrypted_bytes,
    key_ring,
)
from microloan.kernel.errors import Conflict

SUFFIX = ".pdf.enc"
HEADER_BYTES = 64


def storage_dir() -> Path:
    configured = settings.CONTRACT_STORAGE_DIR
    return Path(configured) if configured else Path(settings.VAR_DIR) / "contracts"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _context(name: str) -> str:
    return f"contracts/{name}"


def _plain(name: str, blob: bytes) -> bytes | None:
    """The PDF in a stored file (decrypted when encrypted); None if it cannot be trusted."""
    if not is_encrypted_bytes(blob):
        return blob  # written before files were encrypted
    try:
        return decrypt_bytes(blob, context=_context(name))
    except FieldDecryptionError:
        return None


def _replace(path: Path, blob: bytes) -> None:
    handle, staging = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(blob)
    os.replace(staging, path)


def write_pdf(contract_id: str, suffix: str, data: bytes) -> str:
    """Store ``data`` encrypted; returns the file name relative to the storage directory."""
    digest = sha256_hex(data)
    name = f"{contract_id[-2:]}/{contract_id}-{suffix}-{digest[:16]}{SUFFIX}"
    path = storage_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = _plain(name, path.read_bytes()) if path.exists() else None
    if stored is not None and sha256_hex(stored) == digest:
        return name
    _replace(path, encrypt_bytes(data, context=_context(name)))
    return name


def read_pdf(name: str, expected_sha256: str) -> bytes:
    """The stored PDF, or 409 ``stored_pdf_damaged`` if missing or not what was recorded."""
    path = storage_dir() / name
    data = _plain(name, path.read_bytes()) if name and path.is_file() else None
    if data is None or sha256_hex(data) != expected_sha256:
        raise Conflict(
            _("The stored contract file is missing or damaged."),
            code="stored_pdf_damaged",
            fields={"file": name},
        )
    return data


@dataclass
class FileRotation:
    files: int = 0  # encrypted files seen
    rewritten: int = 0  # re-encrypted under the newest key, or encrypted for the first time


def reencrypt_stored_files(*, dry_run: bool = False) -> FileRotation:
    """Every stored contract file under the newest key (plain ones encrypted too); with
    ``dry_run`` only count what would change. A file that cannot be decrypted stops the run
    with ``FieldDecryptionError`` (its key was removed too early): nothing is skipped."""
    current = key_ring().current_key_id
    result = FileRotation()
    root = storage_dir()
    if not root.is_dir():
        return result
    for path in sorted(root.glob("*/*")):
        if path.suffix == ".tmp" or not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        result.files += 1
        with open(path, "rb") as stored:
            head = stored.read(HEADER_BYTES)  # the key id is in the first line after the magic
        if bytes_key_id(head) == current:
            continue
        result.rewritten += 1
        if not dry_run:
            blob = path.read_bytes()
            plain = (
                decrypt_bytes(blob, context=_context(name)) if is_encrypted_bytes(blob) else blob
            )
            _replace(path, encrypt_bytes(plain, context=_context(name)))
    return result
