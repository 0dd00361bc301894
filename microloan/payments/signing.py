"""HMAC-SHA256 signatures of bank callbacks. Pure functions: the key is passed in."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"


def sign(body: bytes, key: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body, as the bank sends it in ``X-Signature``."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, signature: str, key: bytes) -> bool:
    """Constant-time comparison, so the signature cannot be guessed byte by byte."""
    if not signature:
        return False
    return hmac.compare_digest(sign(body, key), signature.strip().lower())


def payload_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
