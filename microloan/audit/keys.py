"""The audit MAC keys from settings (``AUDIT_HMAC_KEY``), parsed once per distinct value.

The key is never stored in the database: that is the point. Production passes it in the
environment; development generates ``var/audit_hmac_key`` (see settings.py).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .chain import AuditKeys, parse_audit_keys


@lru_cache(maxsize=4)
def _parsed(text: str) -> AuditKeys:
    return parse_audit_keys(text)


def audit_keys() -> AuditKeys:
    return _parsed(settings.AUDIT_HMAC_KEY)
