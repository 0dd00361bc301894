"""customers.interface: what other apps may read of customers."""

import pytest

from microloan.customers.interface import cards_for_debit
from microloan.customers.models import Customer
from microloan.customers.testing import make_customer

pytestmark = pytest.mark.django_db


def test_cards_for_debit_name_each_known_customers_card_by_its_blind_index():
    customer = make_customer()
    card_index = Customer.objects.get(pk=customer.pk).bank_card_index

    assert card_index
    assert cards_for_debit([customer.public_id, customer.public_id, "cust_unknown"]) == {
        customer.public_id: card_index
    }
    assert cards_for_debit([]) == {}
