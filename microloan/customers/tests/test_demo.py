"""Demo customers: valid synthetic data, the same on every run."""

from io import StringIO

import pytest
from stdnum import luhn
from stdnum.cn import ric

from microloan.customers.demo import DEMO_CUSTOMER_COUNT, build_demo, demo_people
from microloan.customers.models import Consent, Customer
from microloan.customers.validation import check_phone
from microloan.kernel.services import get_business_date

pytestmark = pytest.mark.django_db


def test_the_demo_people_are_deterministic_and_valid():
    today = get_business_date()
    people = demo_people(today)
    assert people == demo_people(today)
    assert len({p["id_number"] for p in people}) == DEMO_CUSTOMER_COUNT
    for person in people:
        assert ric.is_valid(person["id_number"])
        assert luhn.is_valid(person["bank_card_number"])
        assert check_phone(person["phone"]) == person["phone"]


def test_build_demo_registers_them_once():
    out = StringIO()
    build_demo(out)
    assert Customer.objects.count() == DEMO_CUSTOMER_COUNT
    assert f"{DEMO_CUSTOMER_COUNT} created" in out.getvalue()
    assert Consent.objects.filter(end_reason=Consent.EndReason.WITHDRAWN).exists()
    again = StringIO()
    build_demo(again)
    assert Customer.objects.count() == DEMO_CUSTOMER_COUNT
    assert f"0 created, {DEMO_CUSTOMER_COUNT} already there" in again.getvalue()
