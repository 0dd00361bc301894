"""Parallel sign-in attempts on one username at one address make exactly the limit's number of
password checks, on SQLite (a file database in a child process: the in-memory test database
cannot take concurrent writers) and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from unittest import mock

import pytest
from django.db import connection

from microloan.accounts import services
from microloan.kernel.errors import DomainError

ATTEMPTS = 30
LIMIT = 5


def race(*, username: str, attempts: int = ATTEMPTS) -> dict:
    """``attempts`` threads try a wrong password at once from one address; returns how many
    passwords were checked and how each attempt ended, then whether another address still
    signs in with the right password."""
    checks = Counter()
    guard = threading.Lock()
    check_password = services.authenticate

    def counted(*args, **kwargs):
        with guard:
            checks["password"] += 1
        return check_password(*args, **kwargs)

    start = threading.Barrier(attempts)
    outcomes = Counter()

    def attempt():
        try:
            start.wait()
            services.authenticate_staff(username=username, password="wrong", client_ip="10.6.6.6")
        except DomainError as refused:
            outcomes[refused.code] += 1
        except Exception as error:  # reported in the result; a thread's exception is lost
            outcomes[repr(error)] += 1
        finally:
            connection.close()

    with mock.patch.object(services, "authenticate", counted):
        threads = [threading.Thread(target=attempt) for _ in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    try:
        services.authenticate_staff(
            username=username, password="correct horse battery", client_ip="10.0.0.1"
        )
        other_address = "signed in"
    except DomainError as refused:
        other_address = refused.code
    return {
        "password_checks": checks["password"],
        "outcomes": dict(outcomes),
        "other_address": other_address,
    }


EXPECTED = {
    "password_checks": LIMIT,
    "outcomes": {"invalid_credentials": LIMIT, "too_many_login_attempts": ATTEMPTS - LIMIT},
    "other_address": "signed in",
}

CHILD = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import override_settings
call_command("migrate", "accounts", verbosity=0)
from microloan.accounts.testing import make_staff
from microloan.accounts.tests.test_login_concurrency import LIMIT, race
make_staff(username="alice", password="correct horse battery")
with override_settings(LOGIN_FAILURE_LIMIT=LIMIT):
    print(json.dumps(race(username="alice")))
"""


def test_parallel_attempts_on_sqlite_check_the_password_only_up_to_the_limit(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microloan.settings",
        "DEBUG": "1",
        "MICROLOAN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout.strip().splitlines()[-1]) == EXPECTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_on_postgres_check_the_password_only_up_to_the_limit(settings):
    from microloan.accounts.testing import make_staff

    settings.LOGIN_FAILURE_LIMIT = LIMIT
    make_staff(username="alice", password="correct horse battery")
    assert race(username="alice") == EXPECTED
