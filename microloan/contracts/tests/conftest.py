"""Fixtures for contract tests: registered customers, an open line and a drawn loan made
through the real services, contract files and signing keys in temporary directories."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.contracts.signing import CA_FILE, CERT_FILE, KEY_FILE, init_signing_keys
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.lending.services import drawdowns
from microloan.lending.tests.conftest import OPERATIONS_PERMS, make_product_version, make_user
from microloan.lending.tests.helpers import open_line

from . import helpers

START = dt.date(2026, 3, 2)


@pytest.fixture(scope="session")
def signing_keys_dir(tmp_path_factory):
    return init_signing_keys(tmp_path_factory.mktemp("keys") / "contracts")


@pytest.fixture(autouse=True)
def contract_settings(settings, tmp_path, signing_keys_dir):
    settings.FIELD_ENCRYPTION_KEYS = helpers.TEST_FIELD_KEYS
    settings.FIELD_BLIND_INDEX_KEY = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CONTRACT_STORAGE_DIR = str(tmp_path / "contracts")
    settings.CONTRACT_SIGNING_KEY = str(signing_keys_dir / KEY_FILE)
    settings.CONTRACT_SIGNING_CERT = str(signing_keys_dir / CERT_FILE)
    settings.CONTRACT_SIGNING_CA = str(signing_keys_dir / CA_FILE)
    return settings


class JsonClient(Client):
    def post_json(self, path, body, **extra):
        return self.post(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def client():
    return JsonClient()


@pytest.fixture
def today(db) -> dt.date:
    set_initial_business_date(START)
    return get_business_date()


@pytest.fixture
def ops_user(db, django_user_model):
    return make_user(django_user_model, "ops01", *OPERATIONS_PERMS)


@pytest.fixture
def ops(ops_user) -> Actor:
    return Actor.from_user(ops_user)


@pytest.fixture
def product_version(ops_user):
    return make_product_version(ops_user)


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def borrower(customer) -> Actor:
    return Actor.borrower(customer.public_id)


@pytest.fixture
def line(ops, product_version, today, customer):
    return open_line(ops, product_version, customer=customer.public_id)


@pytest.fixture
def loan(line, today):
    """A loan pending disbursement: 12,000.00 over 5 months, equal instalments."""
    return drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=1_200_000,
        term_months=5,
        method="equal_instalment",
        business_date=today,
    )


@pytest.fixture
def borrower_headers(customer):
    return bearer(make_borrower_token(customer.public_id))


@pytest.fixture
def staff_headers(db):
    return bearer(make_staff_token(make_staff(role="cs_agent")))


@pytest.fixture
def admin_headers(db):
    return bearer(make_staff_token(make_staff(role="admin")))
