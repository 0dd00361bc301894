"""The audit write, injected: kernel code that must leave an audit record (the maker-checker of
``kernel.versions``) calls ``write_audit``; the audit app registers its ``record_audit`` when
it is ready. Kernel so imports no app, and a project without the audit app fails loudly
instead of changing configuration unaudited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_writer: Callable[..., Any] | None = None


def register_audit_writer(writer: Callable[..., Any]) -> None:
    """``writer(actor=, action=, object_type=, object_id=, before=, after=)`` appends one audit
    record inside the caller's transaction (``microloan.audit.services.record_audit``)."""
    global _writer
    _writer = writer


def write_audit(**record: Any) -> Any:
    if _writer is None:
        raise ImproperlyConfigured("No audit writer is registered (is microloan.audit installed?)")
    return _writer(**record)
