"""Database triggers that abort any UPDATE or DELETE of an audit record, per database vendor.

They stop what the ORM guards cannot: raw SQL, another program, a slip in a database console.
Both vendors fail with an integrity error (``django.db.IntegrityError``). TRUNCATE on
PostgreSQL is left alone because the test runner empties tables that way; removing the whole
trail is caught by ``audit verify`` through the chain head.
"""

from __future__ import annotations

TABLE = "audit_auditrecord"
REFUSAL = "audit_auditrecord is append-only"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditrecord_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditrecord_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete",
]

_POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_auditrecord_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
    f"DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON {TABLE}",
    f"""CREATE TRIGGER audit_auditrecord_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_refuse_change()""",
]
_POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_auditrecord_refuse_change()",
]

_STATEMENTS = {
    "sqlite": (_SQLITE_INSTALL, _SQLITE_DROP),
    "postgresql": (_POSTGRESQL_INSTALL, _POSTGRESQL_DROP),
}


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _statements_for(connection) -> tuple[list[str], list[str]]:
    try:
        return _STATEMENTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no audit triggers for {connection.vendor}") from None


def install_append_only_triggers(connection) -> None:
    _run(connection, _statements_for(connection)[0])


def drop_append_only_triggers(connection) -> None:
    _run(connection, _statements_for(connection)[1])
