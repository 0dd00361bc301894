"""Contract PDFs on disk, under ``CONTRACT_STORAGE_DIR`` (default ``var/contracts/``).

Files are written once under a name derived from the contract id and the content hash, so a
file is never overwritten with other bytes, and read back only after checking their SHA-256
against the hash recorded on the contract: a file changed on disk is reported, never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import Conflict


def storage_dir() -> Path:
    configured = getattr(settings, "CONTRACT_STORAGE_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "contracts"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_pdf(contract_id: str, suffix: str, data: bytes) -> str:
    """Store ``data``; returns the file name relative to the storage directory."""
    digest = sha256_hex(data)
    name = f"{contract_id[-2:]}/{contract_id}-{suffix}-{digest[:16]}.pdf"
    path = storage_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and sha256_hex(path.read_bytes()) == digest:
        return name
    handle, staging = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(staging, path)
    return name


def read_pdf(name: str, expected_sha256: str) -> bytes:
    """The stored bytes, or 409 ``stored_pdf_damaged`` if missing or not what was recorded."""
    path = storage_dir() / name
    data = path.read_bytes() if name and path.is_file() else None
    if data is None or sha256_hex(data) != expected_sha256:
        raise Conflict(
            _("The stored contract file is missing or damaged."),
            code="stored_pdf_damaged",
            fields={"file": name},
        )
    return data
