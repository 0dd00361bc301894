"""Pytest plugin: the test run never reads or writes the checkout's ``var/``.

Loaded with ``-p microloan.pytest_var_dir`` (pyproject's addopts), so it is imported before
pytest-django loads the settings: every path derived from ``MICROLOAN_VAR_DIR`` — the SQLite
file, the development secrets, contract keys and files, notification files, audit anchors —
lands in a temporary directory made for this process (each xdist worker makes its own) and
removed at the end. Paths set explicitly in the environment are dropped for the same reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile

# Settings that name a path; a developer's shell may point them at real data.
PATH_VARIABLES = ("AUDIT_ANCHOR_FILE", "CONTRACT_STORAGE_DIR", "NOTIFICATIONS_DIR")

TEST_VAR_DIR = tempfile.mkdtemp(prefix="microloan-test-var-")
os.environ["MICROLOAN_VAR_DIR"] = TEST_VAR_DIR
for _name in PATH_VARIABLES:
    os.environ.pop(_name, None)


def pytest_unconfigure(config):
    shutil.rmtree(TEST_VAR_DIR, ignore_errors=True)
