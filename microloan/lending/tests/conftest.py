"""Fixtures for lending tests: an active Weilidai-like product, staff with the permissions a
test needs, a business date, a credit line, and helpers to run end of day and read the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.contrib.auth.models import Permission

from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion

from . import helpers

START = dt.date(2026, 3, 2)
CUSTOMER = "cust_test_a"
OTHER_CUSTOMER = "cust_test_b"

OPERATIONS_PERMS = (
    "lending.view_creditline",
    "lending.view_loan",
    "lending.add_creditline",
    "lending.change_creditline",
    "lending.add_loan",
    "lending.cancel_loan",
    "lending.record_manualposting",
    "lending.refund_unapplied",
    "lending.freeze_creditline",
    "lending.adjust_creditline_limit",
    "lending.propose_writeoff",
    "lending.propose_restructure",
)
CHECKER_PERMS = (
    "lending.view_creditline",
    "lending.view_loan",
    "lending.approve_creditline_limit",
    "lending.approve_writeoff",
    "lending.approve_restructure",
    "lending.change_makercheckerrequest",
    "lending.approve_manualposting",
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(django_user_model, username: str, *perms: str):
    user = django_user_model.objects.create_user(username=username, password="irrelevant pw 1")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def today(db) -> dt.date:
    set_initial_business_date(START)
    return get_business_date()


@pytest.fixture
def ops_user(db, django_user_model):
    return make_user(django_user_model, "ops01", *OPERATIONS_PERMS)


@pytest.fixture
def checker_user(db, django_user_model):
    return make_user(django_user_model, "risk01", *CHECKER_PERMS)


@pytest.fixture
def ops(ops_user) -> Actor:
    return Actor.from_user(ops_user)


@pytest.fixture
def checker(checker_user) -> Actor:
    return Actor.from_user(checker_user)


@pytest.fixture
def both(db, django_user_model) -> Actor:
    """Holds maker and checker permissions: still never approves their own proposal."""
    return Actor.from_user(
        make_user(django_user_model, "both01", *OPERATIONS_PERMS, *CHECKER_PERMS)
    )


@pytest.fixture
def borrower() -> Actor:
    return Actor.borrower(CUSTOMER)


@pytest.fixture
def other_borrower() -> Actor:
    return Actor.borrower(OTHER_CUSTOMER)


def make_product_version(maker, code: str = "WLD", **changes) -> ProductVersion:
    product = Product.objects.create(code=code, name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker=maker, status="active")
    version.set_terms(replace(default_weilidai_terms(), **changes))
    version.save()
    return version


@pytest.fixture
def product_version(ops_user) -> ProductVersion:
    return make_product_version(ops_user)


@pytest.fixture
def line(ops, product_version, today):
    return helpers.open_line(ops, product_version)


@pytest.fixture
def eod():
    return helpers.run_eod


@pytest.fixture
def ledger():
    return helpers.LedgerProbe()
