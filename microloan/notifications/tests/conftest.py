"""Fixtures of notification tests: providers writing under a temporary directory, with no
failure left queued between tests, and borrowers with a preferred language."""

from __future__ import annotations

import pytest

from microloan.customers.testing import make_customer
from microloan.notifications.providers import reset_providers


@pytest.fixture(autouse=True)
def _outbox_in_tmp(settings, tmp_path):
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reset_providers()
    yield
    reset_providers()


@pytest.fixture
def zh_customer(db):
    return make_customer(preferred_language="zh-hans")


@pytest.fixture
def en_customer(db):
    return make_customer(preferred_language="en")
