"""Typed domain errors with stable codes.

Every error a user can cause is a ``DomainError`` subclass (or an instance with an explicit
code). The API maps them to ``{"code", "message", "fields"}`` with the error's HTTP status;
the code is the stable contract, the message is translated.
"""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal the caller can act on. Never a bug."""

    code = "domain_error"
    status = 400
    default_message = _("The request was refused.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {
                k: str(v) if not isinstance(v, list | dict) else v for k, v in self.fields.items()
            },
        }


class ValidationFailed(DomainError):
    """Input that is malformed or out of range; ``fields`` maps field path → problem."""

    code = "validation_failed"
    status = 422
    default_message = _("Some fields are invalid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = _("Authentication credentials were missing or invalid.")


class Conflict(DomainError):
    """The state of the object does not allow the action (wrong status, stale version…)."""

    code = "conflict"
    status = 409
    default_message = _("The object is not in a state that allows this.")


class BusinessRuleViolation(DomainError):
    """A well-formed request that a business rule refuses (limit exceeded, term not allowed…)."""

    code = "business_rule_violation"
    status = 422
    default_message = _("A business rule refuses this request.")


class DatabaseBusy(DomainError):
    code = "database_busy"
    status = 503
    retry_after = 1
    default_message = _("The service is busy. Try again in a moment.")


# PostgreSQL: lock_not_available (lock_timeout, NOWAIT), serialization_failure, deadlock_detected
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
_BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked")


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was busy, not broken: retrying later can succeed."""
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(exc).lower()
    return any(text in message for text in _BUSY_SQLITE_MESSAGES)
