"""Fixtures for origination tests: fixed field keys, a business date, an active Weilidai-like
product, registered customers with the consents an application needs, reviewers, and the
body of a valid application for a customer."""

import base64
import datetime as dt
import itertools
import json
from dataclasses import replace

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from microloan.accounts.testing import make_staff
from microloan.customers.services import grant_consent
from microloan.customers.testing import customer_data, make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import set_initial_business_date
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion

TEST_KEYS = "t1:" + base64.urlsafe_b64encode(bytes(range(32))).decode()
TODAY = dt.date(2026, 3, 2)
PRODUCT = "WLD"
_devices = itertools.count(1)


@pytest.fixture(autouse=True)
def field_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = TEST_KEYS
    settings.FIELD_BLIND_INDEX_KEY = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


class JsonClient(Client):
    def post_json(self, path, body, **extra):
        return self.post(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def client():
    return JsonClient()


@pytest.fixture
def today(db):
    return set_initial_business_date(TODAY)


def make_product_version(code: str = PRODUCT, **changes) -> ProductVersion:
    product = Product.objects.create(code=code, name_zh="微粒贷", name_en="Weilidai")
    maker = make_staff(username=f"pm_{code.lower()}")
    version = ProductVersion(product=product, version=1, maker=maker, status="active")
    version.set_terms(replace(default_weilidai_terms(), **changes))
    version.save()
    return version


@pytest.fixture
def product(today):
    """The product, and the admission policy and risk rule set in force. Those two are created
    from their defaults on first use (audited); creating them here keeps the "nothing stored"
    counts of the tests about the application alone."""
    from microloan.origination.services import active_policy
    from microloan.risk.services import active_ruleset, active_scorecard

    active_policy(), active_ruleset(), active_scorecard()
    return make_product_version()


def consenting_customer(**overrides):
    """A registered customer who also consented to credit-report queries."""
    customer = make_customer(**overrides)
    grant_consent(
        actor=Actor.system("test"),
        customer_id=customer.public_id,
        purpose="credit_report_query",
        text_version="2026.1",
    )
    return customer


@pytest.fixture
def customer(product):
    return consenting_customer()


def application_body(customer, **overrides):
    """A valid application for ``customer`` (identity as registered), a fresh device."""
    body = {
        "product_code": PRODUCT,
        "requested_amount": 2_000_000,
        "purpose": "consumption",
        "name": customer.name,
        "id_number": customer.id_number,
        "phone": customer.phone,
        "bank_card_number": customer.bank_card_number,
        "device_id": f"dev-{next(_devices)}",
        "face_token": "selfie-ok",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def staff_with(*perms, username=None):
    user = make_staff(username=username)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)


INITIAL = ("origination.view_application", "origination.review_initial_application")
FINAL = ("origination.view_application", "origination.review_final_application")


@pytest.fixture
def initial_reviewer(db):
    return Actor.from_user(staff_with(*INITIAL))


@pytest.fixture
def final_reviewer(db):
    return Actor.from_user(staff_with(*FINAL))


@pytest.fixture
def both_roles(db):
    return Actor.from_user(staff_with(*INITIAL, *FINAL))


__all__ = ["customer_data"]


@pytest.fixture
def in_final(customer, initial_reviewer):
    """An application applied under v1, passed to the final review."""
    from microloan.origination import services as _services  # as the tests import it

    case = _services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, face_token="review-1"),
    )
    _services.claim_application(actor=initial_reviewer, application_id=case.public_id)
    return _services.decide_application(
        actor=initial_reviewer, application_id=case.public_id, outcome="pass", reason="ok"
    )
