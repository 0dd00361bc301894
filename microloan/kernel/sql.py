"""SQL built once per model and database for the statements every application, drawdown,
payment and audit record runs: the one place the app steps past the ORM, and only where a
benchmark shows it matters. Everywhere else is the ORM.

Building a statement is most of what a simple ORM call costs: composing, compiling and quoting
an INSERT of a 20-column row or a SELECT of one row takes ten times longer than SQLite takes to
run it. The helpers here build each statement once, then only convert the values, exactly as
the ORM converts them (``pre_save``, ``get_db_prep_save`` on the way in; the backend's and the
field's converters on the way out), so encrypted fields, JSON, dates and decimals behave the
same as through ``save()`` and ``first()``.

- ``PreparedInsert``: a model mixin; ``save()`` of a new row runs a cached INSERT. Everything
  else about ``save()`` (the model's own ``save``, signals, updates) is Django's.
- ``select_one``: one model instance by a WHERE clause in SQL, or ``None``.
- ``select_values`` / ``select_values_in``: ``values_list`` rows by a WHERE clause, or by one
  column's values in chunks (one statement per padded chunk size, for few keys and many).

Measured on 2026-12-07 (SQLite, a shared 2-core machine, so absolute figures are loose; the
ratios held in every run). ``python -m benchmarks.bench_origination --applications 600
--http 0``, CPU ms per application, runs interleaved: everything here (as kept) 8.6 / 7.6 /
6.8 / 6.1; every site on the ORM 20.5 / 15.1; only the SELECTs on the ORM (``PreparedInsert``
kept) 18.7 / 13.1. Per call, the same query 6,000 times in one process (CPU microseconds,
prepared vs ORM): business date 39 vs 352, dedupe keys IN (2) 40 vs 391, a customer's language
33 vs 402, a customer's lines 33 vs 275, open applications 46 vs 374, one loan (+ line) 70 vs
995, one payment order locked 53 vs 481, one customer 56 vs 564. ``python -m
benchmarks.bench_disbursement --loans 300``, CPU seconds: as kept 6.3 / 6.1, with the payments
and lending look-ups on the ORM 7.8. The sites, each on a path a benchmark times:

- origination (``bench_origination``): ``origination.services.applying`` (the applicant, their
  open applications, the transitions), ``origination.services.common.open_credit``,
  ``customers.services.credit_standing`` and ``consents_in_force``,
  ``lending.services.lines`` (the borrower's lines, locked), ``contracts.services.offers``
  (the line and the customer's language), ``risk.services.identity`` (the checks),
  ``audit.services`` (the chain head), ``kernel.services.get_business_date``;
  ``notifications`` (provider records, preferred languages, dedupe keys, the delivery task);
- drawdown, disbursement and repayment (``bench_disbursement``): ``lending.services.common``
  (``get_loan``, ``lock_loan_and_line``), ``payments.services.orders`` (the order locked, the
  loan's and line's status, the card);
- ``PreparedInsert`` on the rows those paths write (applications, risk events and identity
  checks, customers and consents, lines, loans and their transactions, contracts, payment
  orders and events, provider records, audit records).

Rare paths stay on the ORM even in these modules (granting a consent, a refund order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models

_INSERTS: dict[tuple, tuple[str, list, list]] = {}
_SELECTS: dict[tuple, tuple[str, list, list[str]]] = {}


def _converters(connection, field: models.Field, table: str) -> list:
    column = field.get_col(table)
    return connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def _convert(row: Sequence, plan: list, connection) -> list:
    values = list(row)
    for position, (column, converters) in enumerate(plan):
        value = values[position]
        for converter in converters:
            value = converter(value, column, connection)
        values[position] = value
    return values


def _row_params(obj, fields, connection, raw: bool = False) -> list:
    """The INSERT's values as ``save()`` makes them (``pre_save`` sets ``auto_now`` and the
    like on ``obj``)."""
    return [
        field.get_db_prep_save(
            getattr(obj, field.attname) if raw else field.pre_save(obj, True),
            connection=connection,
        )
        for field in fields
    ]


class PreparedInsert:
    """Mixin for a model whose new rows are inserted often: ``save()`` of a new instance runs
    an INSERT whose SQL was built once (per model, database and column set)."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        connection = connections[using]
        key = (type(self), using, tuple(fields), tuple(returning_fields or ()))
        plan = _INSERTS.get(key)
        if plan is None:
            plan = _INSERTS[key] = _insert_plan(type(self), connection, fields, returning_fields)
        sql, returning_sql_params, returning_plan = plan
        params = _row_params(self, fields, connection, raw)
        with connection.cursor() as cursor:
            cursor.execute(sql, params + returning_sql_params)
            if not returning_plan:
                return []
            return [tuple(_convert(cursor.fetchone(), returning_plan, connection))]


def insert_many(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """INSERT new rows of one model in one ``executemany`` with the prepared SQL (no
    primary keys come back: for rows nothing refers to in the same transaction)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = [
        field
        for field in model._meta.local_concrete_fields
        if not field.generated and field is not model._meta.auto_field
    ]
    key = (model, using, tuple(fields), ())
    plan = _INSERTS.get(key)
    if plan is None:
        plan = _INSERTS[key] = _insert_plan(model, connection, fields, ())
    sql = plan[0]
    rows = [_row_params(obj, fields, connection) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def _insert_plan(model, connection, fields, returning_fields) -> tuple[str, list, list]:
    quote = connection.ops.quote_name
    table = model._meta.db_table
    sql = (
        f"{connection.ops.insert_statement()} {quote(table)}"
        f" ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning_params: list = []
    returning_plan: list = []
    if returning_fields and connection.features.can_return_columns_from_insert:
        returning_sql, returning_params = connection.ops.return_insert_columns(returning_fields)
        sql = f"{sql} {returning_sql}"
        returning_plan = [
            (field.get_col(table), _converters(connection, field, table))
            for field in returning_fields
        ]
    return sql, list(returning_params or []), returning_plan


def select_one(
    model: type[models.Model],
    where: str,
    params: Sequence[Any],
    *,
    fields: Sequence[str] | None = None,
    order_by: str = "",
    lock: bool = False,
    using: str = "default",
) -> Any:
    """The first row of ``model`` matching ``where`` (SQL over the table's column names, with
    ``%s`` placeholders), as a model instance, or ``None``. ``fields`` (attribute names) loads
    only those, the rest deferred as with ``only()``; ``order_by`` is SQL too; ``lock`` takes the
    row lock (``select_for_update()``) where the database has one."""
    connection = connections[using]
    key = (model, using, where, tuple(fields or ()), order_by, lock)
    plan = _SELECTS.get(key)
    if plan is None:
        plan = _SELECTS[key] = _select_plan(model, connection, where, fields, order_by, lock)
    sql, converters, attnames = plan
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(using, attnames, _convert(row, converters, connection))


def _select_plan(model, connection, where, fields, order_by, lock) -> tuple[str, list, list[str]]:
    quote = connection.ops.quote_name
    table = model._meta.db_table
    chosen = [
        field
        for field in model._meta.concrete_fields
        if not fields or field.attname in fields or field.name in fields or field.primary_key
    ]
    columns = ", ".join(f"{quote(table)}.{quote(field.column)}" for field in chosen)
    sql = f"SELECT {columns} FROM {quote(table)} WHERE {where}"
    if order_by:
        sql = f"{sql} ORDER BY {order_by}"
    sql = f"{sql} LIMIT 1"
    if lock and connection.features.has_select_for_update:
        sql = f"{sql} FOR UPDATE"
    converters = [(field.get_col(table), _converters(connection, field, table)) for field in chosen]
    return sql, converters, [field.attname for field in chosen]


def select_values(
    model: type[models.Model],
    fields: Sequence[str],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str = "",
    limit: int | None = None,
    lock: bool = False,
    using: str = "default",
) -> list[tuple]:
    """``values_list(*fields)`` of the rows of ``model`` matching ``where`` (SQL over the
    table's column names, ``%s`` placeholders), each value converted as the ORM would;
    ``lock`` as in ``select_one``."""
    connection = connections[using]
    key = (model, using, where, tuple(fields), order_by, limit, lock, "values")
    plan = _SELECTS.get(key)
    if plan is None:
        quote = connection.ops.quote_name
        table = model._meta.db_table
        chosen = [model._meta.get_field(name) for name in fields]
        sql = (
            f"SELECT {', '.join(quote(field.column) for field in chosen)}"
            f" FROM {quote(table)} WHERE {where}"
        )
        if order_by:
            sql = f"{sql} ORDER BY {order_by}"
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit)}"
        if lock and connection.features.has_select_for_update:
            sql = f"{sql} FOR UPDATE"
        converters = [
            (field.get_col(table), _converters(connection, field, table)) for field in chosen
        ]
        plan = _SELECTS[key] = (sql, converters, list(fields))
    sql, converters, _names = plan
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    if not any(column_converters for _column, column_converters in converters):
        return [tuple(row) for row in rows]
    return [tuple(_convert(row, converters, connection)) for row in rows]


IN_CHUNK = 900  # SQLite's host-parameter limit on old builds is 999


def select_values_in(
    model: type[models.Model],
    fields: Sequence[str],
    column: str,
    values: Sequence[Any],
    *,
    using: str = "default",
) -> list[tuple]:
    """``select_values`` of the rows whose ``column`` (a column name) is one of ``values``,
    in chunks of at most ``IN_CHUNK``. Each chunk is padded (repeating its last value) to a
    power of two or to ``IN_CHUNK``, so a dozen statements serve every length: one event's
    one or two keys and a reminder run's thousands go the same way."""
    quote = connections[using].ops.quote_name
    rows: list[tuple] = []
    values = list(values)
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        size = min(1 << (len(chunk) - 1).bit_length(), IN_CHUNK)
        chunk += [chunk[-1]] * (size - len(chunk))
        where = f"{quote(column)} IN ({', '.join(['%s'] * size)})"
        rows.extend(select_values(model, fields, where, chunk, using=using))
    return rows
