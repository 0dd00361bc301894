"""Field encryption for personal data: AES-256-GCM per value, a keyed blind index, a key ring.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` = ``"k1:<base64url 32 bytes>,k2:<…>"``. The
LAST key encrypts; every key listed decrypts, so a new key is added at the end, ``microloan keys
rotate`` re-encrypts every value under it, and only then may an old key be removed.

A ciphertext is ``"v1:<key id>:<base64url(nonce || ciphertext || tag)>"`` with a fresh 96-bit
random nonce per value. The associated data is ``"v1:<key id>:<table>.<column>"``: it binds the
value to its column (a ciphertext copied into another column, or given another key id, fails
authentication) without being stored.

Blind index: ``HMAC-SHA256(index key, kind || 0x00 || normalised value)`` lets a column be
searched for equality without decrypting it. The index key is ``settings.FIELD_BLIND_INDEX_KEY``
(base64url, 32 bytes) when set, else derived with HKDF-SHA256 from the FIRST encryption key:
never the newest, so adding a key and rotating leaves every look-up working. Changing the index
key (setting FIELD_BLIND_INDEX_KEY, or removing the first encryption key while it is unset)
changes every index value: run ``microloan keys reindex`` right after. Each stored index value
starts with a fingerprint of the key that made it (``"<8 hex>:<64 hex>"``), so ``keys status``
can tell which rows still need it. The kind ("phone") rather than the column goes into the HMAC,
so the same phone number indexes alike in every table (blacklists can match customers).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .validation import BLIND_INDEX_NORMALISERS

CIPHERTEXT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
BLIND_INDEX_INFO = b"microloan/field-encryption/blind-index/v1"
_FINGERPRINT_LABEL = b"microloan/field-encryption/blind-index-fingerprint"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class FieldDecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, wrong column, or altered data.

    Never caused by user input; the message names the column and key id, never the value.
    """


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # key id -> 32-byte key, in configured order
    blind_index_key: bytes
    _ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ciphers", {kid: AESGCM(k) for kid, k in self.keys.items()})

    @property
    def current_key_id(self) -> str:
        return next(reversed(self.keys))

    @property
    def blind_index_fingerprint(self) -> str:
        digest = hmac.new(self.blind_index_key, _FINGERPRINT_LABEL, hashlib.sha256)
        return digest.hexdigest()[:8]

    def cipher(self, key_id: str) -> AESGCM | None:
        return self._ciphers.get(key_id)


def _decode_key(text: str, what: str) -> bytes:
    text = text.strip()
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what} is not valid base64url.") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{what} must decode to {KEY_BYTES} bytes (AES-256), not {len(key)}."
        )
    return key


def parse_key_ring(keys_setting: str, blind_index_setting: str = "") -> KeyRing:
    """The key ring described by the two settings; ``ImproperlyConfigured`` says what is wrong
    (never showing key material)."""
    entries = [entry.strip() for entry in (keys_setting or "").split(",")]
    if not any(entries):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to 'id:base64urlkey[,id2:key2…]'."
        )
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not encoded.strip():
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position} must look like 'id:base64urlkey'."
            )
        if not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position}: a key id is 1 to 32 letters, digits,"
                " '_' or '-'."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS lists key id {key_id!r} twice.")
        keys[key_id] = _decode_key(encoded, f"FIELD_ENCRYPTION_KEYS key {key_id!r}")
    if blind_index_setting and blind_index_setting.strip():
        index_key = _decode_key(blind_index_setting, "FIELD_BLIND_INDEX_KEY")
    else:
        first_key = next(iter(keys.values()))
        index_key = HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=BLIND_INDEX_INFO
        ).derive(first_key)
    return KeyRing(keys=keys, blind_index_key=index_key)


@lru_cache(maxsize=8)
def _cached_ring(keys_setting: str, blind_index_setting: str) -> KeyRing:
    return parse_key_ring(keys_setting, blind_index_setting)


def key_ring() -> KeyRing:
    """The configured key ring (parsed once per distinct setting value)."""
    return _cached_ring(settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_BLIND_INDEX_KEY or "")


def _associated_data(key_id: str, context: str) -> bytes:
    return f"{CIPHERTEXT_VERSION}:{key_id}:{context}".encode()


def encrypt_value(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    """``plaintext`` encrypted under the newest key, bound to ``context`` ("table.column")."""
    ring = ring or key_ring()
    key_id = ring.current_key_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.cipher(key_id).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(key_id, context)
    )
    return f"{CIPHERTEXT_VERSION}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def ciphertext_key_id(token: str) -> str | None:
    """The key id a stored ciphertext names, or None when it is not in our format."""
    version, sep, rest = token.partition(":")
    key_id, sep2, _body = rest.partition(":")
    return key_id if version == CIPHERTEXT_VERSION and sep and sep2 and key_id else None


def decrypt_value(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    """The plaintext of a stored ciphertext; ``FieldDecryptionError`` if it cannot be trusted."""
    ring = ring or key_ring()
    key_id = ciphertext_key_id(token)
    if key_id is None:
        raise FieldDecryptionError(f"{context}: the stored value is not an encrypted value (v1).")
    body = token[len(CIPHERTEXT_VERSION) + len(key_id) + 2 :]
    try:
        raw = base64.b64decode(body.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise FieldDecryptionError(f"{context}: the stored value is not valid base64.") from None
    return _open(ring, key_id, raw, context, "value").decode("utf-8")


def _open(ring: KeyRing, key_id: str, raw: bytes, context: str, what: str) -> bytes:
    """Decrypt ``raw`` (nonce, ciphertext, tag) sealed under ``key_id`` for ``context``."""
    cipher = ring.cipher(key_id)
    if cipher is None:
        raise FieldDecryptionError(
            f"{context}: encrypted with key {key_id!r}, which FIELD_ENCRYPTION_KEYS no longer"
            " lists. Put the key back (and run `microloan keys rotate` before removing it)."
        )
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise FieldDecryptionError(f"{context}: the stored {what} is truncated.")
    try:
        return cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, context)
        )
    except InvalidTag:
        raise FieldDecryptionError(
            f"{context}: the {what} encrypted with key {key_id!r} fails authentication: it was"
            " altered, or belongs elsewhere."
        ) from None


def blind_index(kind: str, value: str, *, ring: KeyRing | None = None) -> str:
    """The searchable index of ``value`` (normalised for ``kind``: "id_number", "phone", "card"):
    ``"<key fingerprint>:<HMAC-SHA256 hex>"``."""
    ring = ring or key_ring()
    normalised = BLIND_INDEX_NORMALISERS[kind](value)
    message = kind.encode() + b"\x00" + normalised.encode("utf-8")
    digest = hmac.new(ring.blind_index_key, message, hashlib.sha256).hexdigest()
    return f"{ring.blind_index_fingerprint}:{digest}"


BLIND_INDEX_LENGTH = 8 + 1 + 64


# --- whole files (contract PDFs) ----------------------------------------------------------------

FILE_MAGIC = b"MLENC1\n"


def encrypt_bytes(data: bytes, *, context: str, ring: KeyRing | None = None) -> bytes:
    """``data`` (a file) under the newest key: ``MLENC1\\n<key id>\\n<nonce><ciphertext+tag>``,
    bound to ``context`` (the file's name) like a field value to its column."""
    ring = ring or key_ring()
    key_id = ring.current_key_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.cipher(key_id).encrypt(nonce, data, _associated_data(key_id, context))
    return FILE_MAGIC + key_id.encode("ascii") + b"\n" + nonce + sealed


def is_encrypted_bytes(blob: bytes) -> bool:
    return blob.startswith(FILE_MAGIC)


def bytes_key_id(blob: bytes) -> str | None:
    """The key id an encrypted file names (None if it is not one of ours)."""
    if not is_encrypted_bytes(blob):
        return None
    key_id, sep, _rest = blob[len(FILE_MAGIC) :].partition(b"\n")
    return key_id.decode("ascii", "replace") if sep else None


def decrypt_bytes(blob: bytes, *, context: str, ring: KeyRing | None = None) -> bytes:
    """The plaintext of ``encrypt_bytes``; ``FieldDecryptionError`` if it cannot be trusted."""
    ring = ring or key_ring()
    key_id = bytes_key_id(blob)
    if key_id is None:
        raise FieldDecryptionError(f"{context}: not an encrypted file.")
    return _open(ring, key_id, blob[len(FILE_MAGIC) + len(key_id) + 1 :], context, "file")
