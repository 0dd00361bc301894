"""kernel.sqlite: writers of one process queue on a lock instead of polling SQLite's."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from microloan.kernel.sqlite.base import DatabaseWrapper, _writer_lock

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backend only (this suite runs on PG)"
)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    # These tests open their own connections to their own files, not the test database.
    with django_db_blocker.unblock():
        yield


def _wrapper(path) -> DatabaseWrapper:
    settings = {
        **connection.settings_dict,
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5},
        "TEST": {},
    }
    return DatabaseWrapper(settings, alias="writer_lock_test")


def _begin(wrapper: DatabaseWrapper) -> None:
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()


def test_a_second_writer_starts_the_moment_the_first_commits(tmp_path):
    path = tmp_path / "writers.sqlite3"
    first = _wrapper(path)
    first.ensure_connection()
    first.cursor().execute("CREATE TABLE t (n integer)")
    _begin(first)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    began: list[float] = []

    held: list[bool] = []

    def second_writer() -> None:
        second = _wrapper(path)
        _begin(second)  # waits on the lock, not in SQLite's busy loop
        began.append(time.monotonic())
        held.append(second._writer is _writer_lock(str(path)))
        second.cursor().execute("INSERT INTO t VALUES (2)")
        second.commit()
        second.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert began == []  # still waiting while the first transaction is open
    committed = time.monotonic()
    first.commit()
    thread.join(timeout=5)
    assert began and began[0] >= committed
    assert held == [True]  # it queued on the process's lock (SQLite's busy loop never ran)
    assert first.cursor().execute("SELECT count(*) FROM t").fetchone()[0] == 2
    assert not _writer_lock(str(path)).locked()
    first.close()


def test_rollback_and_close_release_the_lock(tmp_path):
    path = tmp_path / "released.sqlite3"
    wrapper = _wrapper(path)
    _begin(wrapper)
    assert _writer_lock(str(path)).locked()
    wrapper.rollback()
    assert not _writer_lock(str(path)).locked()
    _begin(wrapper)
    wrapper.close()
    assert not _writer_lock(str(path)).locked()


def test_in_memory_databases_take_no_lock():
    wrapper = _wrapper(":memory:")
    _begin(wrapper)
    assert wrapper._writer is None
    wrapper.rollback()
    wrapper.close()
