"""Django's SQLite backend, with the writers of one process taking turns on a lock.

SQLite lets one transaction write at a time; a writer that finds the file locked polls it,
sleeping 1, 2, 5 … up to 100 ms between tries (the busy timeout), so under a few concurrent
writers a request can sleep long after the lock was freed: at 8 concurrent clients that made a
p99 ten times the median. Threads of one process (``runserver``, a threaded server, the demo)
instead queue on a ``threading.Lock`` before ``BEGIN IMMEDIATE`` and wake the moment the
previous transaction commits. Writers in other processes still meet SQLite's own lock and busy
timeout, as before. In-memory databases (the test suite's) are left as Django makes them.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


def _writer_lock(name: str) -> threading.Lock:
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer: threading.Lock | None = None

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            lock = _writer_lock(str(self.settings_dict["NAME"]))
            # Bounded like SQLite's own wait; past it, SQLite's busy timeout decides.
            if lock.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5))):
                self._writer = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        lock, self._writer = self._writer, None
        if lock is not None:
            lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
