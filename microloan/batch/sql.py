"""SQL fragments that differ between SQLite and PostgreSQL, for every app's end-of-day steps.

Dates go into the statements as literals made here from ``datetime.date`` objects (digits and
dashes only, so nothing can be injected), which lets one expression use the same date many
times. Day differences: ``julianday()`` on SQLite, date subtraction on PostgreSQL. Partitions
are id ranges. Fragments about one app's columns (lending's rounding and classification) live
in that app (lending.eod.sql).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

ID_CEILING = 2**63 - 1  # upper bound of the last partition: above any loan id

# SQLite settings of the connection while a run works, put back afterwards: a page cache that
# holds a partition's changed pages; reads straight from the OS page cache (mmap, capped at
# 2 GiB by the library); no checkpoint after each partition's commit but one after each step
# (``checkpoint_wal``), so the next step reads the database file, not a long WAL.
BATCH_PRAGMAS = {"cache_size": -262_144, "mmap_size": 2**31 - 65_536, "wal_autocheckpoint": 0}


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


@contextmanager
def batch_connection() -> Iterator[None]:
    """Tune the SQLite connection for a run (see BATCH_PRAGMAS); PostgreSQL needs nothing.

    Left alone inside a caller's transaction (an API request): pragmas there would outlive it.
    """
    if not is_sqlite() or connection.in_atomic_block:
        yield
        return
    saved = {}
    with connection.cursor() as cursor:
        for name, value in BATCH_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            if row is None:  # not settable here (mmap_size on an in-memory database)
                continue
            saved[name] = row[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def checkpoint_wal() -> None:
    """SQLite: copy what the WAL holds into the database file, without waiting for readers."""
    if is_sqlite() and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def date_literal(day: dt.date) -> str:
    """``day`` as an SQL date value: text on SQLite (how Django stores dates there)."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError("a datetime.date is required")
    return f"'{day.isoformat()}'" if is_sqlite() else f"DATE '{day.isoformat()}'"


def days_since(day: dt.date, column: str) -> str:
    """Whole days from ``column`` (a date) to ``day``: ``day − column``."""
    if is_sqlite():
        julian_day = day.toordinal() + 1721424.5  # julianday() of ``day``, computed once here
        return f"CAST({julian_day} - julianday({column}) AS INTEGER)"
    return f"({date_literal(day)} - {column})"


def in_partition(lo: int, hi: int, column: str = "id") -> str:
    return f"{column} >= {int(lo)} AND {column} < {int(hi)}"


def fetch_rows(sql: str, chunk: int = 2000) -> Iterator[tuple]:
    """The rows of ``sql`` (built from literals only), fetched ``chunk`` at a time."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield from rows
