"""Fixtures for end-of-day tests: a synthetic book, one real loan made through the lending
services, staff with batch permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from microloan.batch.tests.synthetic import build_synthetic_book
from microloan.customers.testing import ensure_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.lending.services import drawdowns, lines
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion

BOOK_DATE = dt.date(2026, 3, 1)
START = dt.date(2026, 3, 2)
OPS_PERMS = (
    "lending.view_creditline",
    "lending.view_loan",
    "lending.add_creditline",
    "lending.add_loan",
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
def book(db):
    """A small synthetic book (a fifth of it in arrears) on business date BOOK_DATE."""
    return build_synthetic_book(
        loans=300, business_date=BOOK_DATE, seed=11, overdue_share=0.2, chunk=120
    )


@pytest.fixture
def ops(db, django_user_model) -> Actor:
    return Actor.from_user(make_user(django_user_model, "ops01", *OPS_PERMS))


def make_product_version(maker_actor: Actor, code: str = "WLD", **changes) -> ProductVersion:
    from dataclasses import replace

    product = Product.objects.create(code=code, name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker_id=maker_actor.user_pk)
    version.status = "active"
    version.set_terms(replace(default_weilidai_terms(), **changes))
    version.save()
    return version


def make_loan(
    ops: Actor,
    version: ProductVersion,
    *,
    amount: int,
    term: int,
    method: str,
    rate: str = "0.0005",
    customer: str = "cust_batch_a",
):
    """A loan drawn and disbursed through the lending services on today's business date."""
    ensure_customer(customer)
    line = lines.open_credit_line(
        actor=ops,
        customer_id=customer,
        product_version_id=version.public_id,
        limit=5_000_000,
        daily_rate=Decimal(rate),
    )
    loan = drawdowns.drawdown(
        actor=Actor.borrower(customer),
        line_id=line.public_id,
        amount=amount,
        term_months=term,
        method=method,
    )
    return drawdowns.disburse_loan(  # as the bank's result on the disbursement order does
        actor=Actor.system("payments"), loan_id=loan.public_id, business_date=get_business_date()
    )


@pytest.fixture
def start_day(db) -> dt.date:
    set_initial_business_date(START)
    return START
