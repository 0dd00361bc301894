"""SQL fragments that differ between SQLite and PostgreSQL, and the integer money math.

Dates go into the statements as literals made here from ``datetime.date`` objects (digits and
dashes only, so nothing can be injected), which lets one expression use the same date many
times. Day differences: ``julianday()`` on SQLite, date subtraction on PostgreSQL.

Rounding ``x / 10^8`` to the fen (x ≥ 0, so integer division truncates = floors on both):
half-up ``(x + 5·10^7) / 10^8`` as docs/servicing.md gives it; ``down``, ``up`` and
``half_even`` as further branches of one CASE on the loan's ``rounding`` column, so loans of
every product go through the same single UPDATE (no separate Python pass is needed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from microloan.kernel.regulation import (
    BUCKET_MAX_DPD,
    DOUBTFUL_MAX_DPD,
    SPECIAL_MENTION_MAX_DPD,
    SUBSTANDARD_MAX_DPD,
)
from microloan.lending.classification import Bucket, Category
from microloan.lending.models import RATE_SCALE

HALF = RATE_SCALE // 2
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


def round_rate_product(product: str, rounding_column: str = "rounding") -> str:
    """``product / 10^8`` rounded to an integer by the row's rounding mode (product ≥ 0)."""
    x, s = f"({product})", RATE_SCALE
    half_even = (
        f"{x} / {s} + CASE WHEN {x} % {s} > {HALF}"
        f" OR ({x} % {s} = {HALF} AND ({x} / {s}) % 2 = 1) THEN 1 ELSE 0 END"
    )
    return (
        f"CASE {rounding_column} WHEN 'half_up' THEN ({x} + {HALF}) / {s}"
        f" WHEN 'down' THEN {x} / {s}"
        f" WHEN 'up' THEN ({x} + {s - 1}) / {s}"
        f" ELSE {half_even} END"
    )


def category_case(dpd: str = "dpd", restructured: str = "restructured") -> str:
    """The five-category classification of lending.classification.classify, as SQL."""
    return (
        f"CASE WHEN {dpd} > {DOUBTFUL_MAX_DPD} THEN '{Category.LOSS}'"
        f" WHEN {dpd} > {SUBSTANDARD_MAX_DPD} THEN '{Category.DOUBTFUL}'"
        f" WHEN {dpd} > {SPECIAL_MENTION_MAX_DPD} OR {restructured}"
        f" THEN '{Category.SUBSTANDARD}'"
        f" WHEN {dpd} > 0 THEN '{Category.SPECIAL_MENTION}'"
        f" ELSE '{Category.NORMAL}' END"
    )


def bucket_case(dpd: str = "dpd") -> str:
    """The collection bucket of lending.classification.bucket, as SQL."""
    names = list(Bucket)  # in kernel.regulation.bucket_index order
    whens = "".join(
        f" WHEN {dpd} <= {upper} THEN '{names[i]}'" for i, upper in enumerate(BUCKET_MAX_DPD)
    )
    return f"CASE{whens} ELSE '{names[-1]}' END"


def in_partition(lo: int, hi: int, column: str = "id") -> str:
    return f"{column} >= {int(lo)} AND {column} < {int(hi)}"


def fetch_rows(sql: str, chunk: int = 2000) -> Iterator[tuple]:
    """The rows of ``sql`` (built from literals only), fetched ``chunk`` at a time."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield from rows
