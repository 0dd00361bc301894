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
