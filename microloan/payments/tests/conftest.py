"""Fixtures for payments tests: a registered customer (with a bank card) holding a credit line
on a Weilidai-like product, loans drawn through lending's services, the in-process simulated
bank answering at once, and orders sent inline when their transaction commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from microloan.contracts.events import ContractSigned
from microloan.customers.testing import make_customer
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.lending.services import drawdowns
from microloan.lending.tests import helpers
from microloan.lending.tests.conftest import OPERATIONS_PERMS, make_product_version, make_user
from microloan.payments.models import PaymentOrder

START = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def payments_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAYMENTS_DISPATCH = "inline"
    settings.PAYMENTS_SIMULATOR_CALLBACKS = "immediate"
    settings.PAYMENTS_SIMULATOR_URL = ""
    settings.PAYMENTS_CALLBACK_SECRET = "test-callback-secret"
    settings.PAYMENTS_STATUS_QUERY_AFTER_SECONDS = 60
    return settings


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
def operations(db) -> Actor:
    """A member of the operations role (payments change + views)."""
    from microloan.accounts.testing import make_staff

    return Actor.from_user(make_staff(role="operations"))


@pytest.fixture
def product_version(ops_user):
    return make_product_version(ops_user)


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def line(ops, product_version, today, customer):
    return helpers.open_line(ops, product_version, customer=customer.public_id)


def draw(line, amount=1_200_000, term=5):
    """A loan pending disbursement, drawn by the borrower."""
    return drawdowns.drawdown(
        actor=Actor.borrower(line.customer_id),
        line_id=line.public_id,
        amount=amount,
        term_months=term,
        method="equal_instalment",
        business_date=get_business_date(),
    )


def sign_contract(loan, *, contract_id="ctr_test") -> None:
    """What contracts does when the borrower signs: publish "contract.signed" in its
    transaction (the contracts app is built elsewhere; the event is its whole interface)."""
    with transaction.atomic():
        events.publish(
            ContractSigned(
                customer_id=loan.customer_id,
                contract_id=contract_id,
                kind="loan",
                line_id=loan.line.public_id,
                loan_id=loan.public_id,
                sha256="0" * 64,
            )
        )


def order_of(loan, kind=PaymentOrder.Kind.DISBURSEMENT) -> PaymentOrder:
    return PaymentOrder.objects.get(loan_id=loan.public_id, kind=kind)


@pytest.fixture
def signed(django_capture_on_commit_callbacks):
    """sign(loan): sign the loan's contract and run what its commit triggers (the send)."""

    def sign(loan, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            sign_contract(loan, **kwargs)
        return order_of(loan)

    return sign


@pytest.fixture
def ledger():
    return helpers.LedgerProbe()
