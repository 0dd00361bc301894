"""Fixtures for collections tests: a product, an operator, real customers with loans made
through lending, collectors, and a way to run the collections hook on any date."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.accounts.testing import make_staff
from microloan.batch.registry import Partition, StepContext
from microloan.batch.sql import ID_CEILING
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import set_initial_business_date
from microloan.lending.models import Loan
from microloan.lending.tests import helpers as lending_helpers
from microloan.lending.tests.conftest import OPERATIONS_PERMS, make_product_version, make_user

from .. import eod

START = dt.date(2026, 3, 2)
FIRST_DUE = dt.date(2026, 4, 2)  # first due date of a loan drawn on START
D1_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today(db) -> dt.date:
    set_initial_business_date(START)
    return START


@pytest.fixture
def ops_user(db, django_user_model):
    return make_user(django_user_model, "ops_coll", *OPERATIONS_PERMS)


@pytest.fixture
def ops(ops_user) -> Actor:
    return Actor.from_user(ops_user)


@pytest.fixture
def product_version(ops_user):
    return make_product_version(ops_user)


@pytest.fixture
def borrow(ops, product_version, today):
    """borrow(customer=None) -> an active loan of a new (or given) registered customer."""

    def make(customer=None, amount=1_200_000):
        customer = customer or make_customer()
        line = lending_helpers.open_line(ops, product_version, customer=customer.public_id)
        return lending_helpers.active_loan(line, amount=amount, term=5)

    return make


@pytest.fixture
def collector(db):
    return make_staff(role="collector")


@pytest.fixture
def other_collector(db):
    return make_staff(role="collector")


def hook_context(day: dt.date) -> StepContext:
    return StepContext(
        run_id="run_test",
        business_date=day,
        actor=Actor.system("eod"),
        partition=Partition(index=0, lo=0, hi=ID_CEILING),
    )


def run_hook(day: dt.date) -> int:
    """The collections.cases step for ``day`` over every loan (as end of day runs it)."""
    return eod.run_cases(hook_context(day))


def set_overdue(loan: Loan, dpd: int, *, overdue: int = 100_000, status: str = "active") -> None:
    """Put the delinquency fields the hook reads as end of day would have left them."""
    Loan.objects.filter(pk=loan.pk).update(
        dpd=dpd,
        overdue_principal=overdue if dpd else 0,
        overdue_interest=0,
        status=status,
    )
