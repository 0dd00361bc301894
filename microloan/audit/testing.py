"""Test helpers for apps whose tests write audit records outside a rolled-back transaction.

A ``transactional_db`` test on SQLite ends with ``DELETE FROM`` every table, which the audit
triggers refuse. Request ``audit_rows_erasable`` in such a test (import it into the test module
or a conftest): before the flush it empties the audit tables with the triggers briefly lifted.
PostgreSQL empties tables with TRUNCATE, which the row triggers do not see, so there it only
costs two statements.

``as_database_owner`` writes behind the application's back, for tests of what verify catches.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from .triggers import drop_append_only_triggers, install_append_only_triggers


def erase_audit_trail() -> None:
    """Remove every audit record and the chain head. For tests only; never call it elsewhere."""
    with transaction.atomic(), connection.cursor() as cursor:
        drop_append_only_triggers(connection)
        cursor.execute("DELETE FROM audit_auditrecord")
        cursor.execute("DELETE FROM audit_auditchainhead")
        install_append_only_triggers(connection)


def as_database_owner(sql: str, params=()) -> None:
    """What someone with database access can do: lift the triggers and write directly. The
    triggers stay off until the test's transaction rolls back. For tampering tests only."""
    drop_append_only_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def audit_rows_erasable(transactional_db):
    yield
    erase_audit_trail()
