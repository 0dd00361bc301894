"""Suite-wide test setup. (The checkout's var/ is kept out of the run by the plugin
microloan/pytest_var_dir.py, loaded before the settings.)

Tests marked ``postgres`` need PostgreSQL (row locks, SKIP LOCKED). On SQLite they are skipped
with a reason that ``-ra`` prints in the summary, so a skipped PostgreSQL check is never silent.
"""

import itertools
from pathlib import Path

import pytest
from django.db import connection

# Browser tests: open_as(role, language) and screenshots on failure.
pytest_plugins = ["microloan.tests.browser_fixtures"]

_anchor_files = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="SKIPPED LOUDLY: needs PostgreSQL; run with DATABASE_URL=postgres://… (.ci/run does)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _audit_anchor_file_per_test(settings):
    """Each test anchors the audit chain in its own file: the database is rolled back after
    every test, and anchors of another test's chain would not match the next one's."""
    settings.AUDIT_ANCHOR_FILE = str(
        Path(settings.VAR_DIR) / "audit" / f"anchors-{next(_anchor_files)}.jsonl"
    )


@pytest.fixture(autouse=True)
def _audit_rows_erasable_after_transactional_tests(request):
    """Tests that commit write real audit rows; the flush after them must get past the
    append-only triggers (see ``microloan.audit.testing``)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from microloan.audit.testing import erase_audit_trail

    erase_audit_trail()
