"""Opaque public ids: ``<prefix>_<26 chars>``, time-ordered so lists sort by creation.

Raw auto-increment keys never leave the database. The id is a ULID-style value: 48 bits of
milliseconds then 80 random bits, in Crockford base32, so ids created later sort later and
cannot be guessed.
"""

from __future__ import annotations

import re
import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,11}$")
PUBLIC_ID_MAX_LENGTH = 40


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_public_id(prefix: str) -> str:
    """A new id such as ``loan_01jd5x…``; ``prefix`` is a short lower-case word."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad public id prefix {prefix!r}")
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


def is_public_id(value: str, prefix: str) -> bool:
    head, sep, body = value.partition("_")
    return sep == "_" and head == prefix and len(body) == 26 and all(c in _ALPHABET for c in body)
