"""customers.interface: set-based answers in rows and columns, never Customer instances."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.customers import interface
from microloan.customers.models import Customer
from microloan.customers.testing import make_customer

pytestmark = pytest.mark.django_db


def test_identity_columns_and_matches():
    first, second = make_customer(), make_customer()
    Customer.objects.filter(pk=first.pk).update(id_expiry=dt.date(2026, 3, 1), device_id="dev-a")
    Customer.objects.filter(pk=second.pk).update(id_expiry=None, device_id="dev-b")
    columns = interface.identity_columns([second.public_id, first.public_id, "cust_none"])
    pairs = zip(columns.id_expiry, columns.device_id, strict=True)
    rows = dict(zip(columns.public_id, pairs, strict=True))
    assert rows == {
        first.public_id: (dt.date(2026, 3, 1), "dev-a"),
        second.public_id: (None, "dev-b"),
    }
    assert columns.phone_index[columns.public_id.index(first.public_id)] == first.phone_index
    assert interface.identity_columns([]).public_id == ()
    assert interface.customers_matching("device", ["dev-b", "dev-x"]) == {second.public_id}
    assert interface.customers_matching("phone", [first.phone_index]) == {first.public_id}
    assert interface.customers_with_id_expiring_by(dt.date(2026, 3, 1)) == {first.public_id}


def test_single_customer_look_ups():
    customer = make_customer(preferred_language="en")
    assert interface.phone_index_of(customer.public_id) == customer.phone_index
    assert interface.phone_index_of("cust_none") == ""
    assert interface.preferred_languages([customer.public_id, "cust_none"]) == {
        customer.public_id: "en"
    }
    masked = interface.masked_customer_of(customer.public_id, on=dt.date(2026, 1, 1))
    assert masked["id"] == customer.public_id and masked["phone"] != customer.phone
    assert interface.masked_customer_of("cust_none", on=dt.date(2026, 1, 1)) is None


def test_cards_for_debit_name_each_known_customers_card_by_its_blind_index():
    customer = make_customer()
    card_index = Customer.objects.get(pk=customer.pk).bank_card_index

    assert card_index
    assert interface.cards_for_debit([customer.public_id, customer.public_id, "cust_unknown"]) == {
        customer.public_id: card_index
    }
    assert interface.cards_for_debit([]) == {}
