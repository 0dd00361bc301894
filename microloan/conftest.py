"""Suite-wide test setup.

Tests marked ``postgres`` need PostgreSQL (row locks, SKIP LOCKED). On SQLite they are skipped
with a reason that ``-ra`` prints in the summary, so a skipped PostgreSQL check is never silent.
"""

import pytest
from django.db import connection


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
