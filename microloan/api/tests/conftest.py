import json

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token


class JsonClient(Client):
    """A test client that sends JSON bodies by default."""

    def post_json(self, path, body, **extra):
        return self.post(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def client():
    return JsonClient()


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def staff_headers(staff):
    return bearer(make_staff_token(staff))


@pytest.fixture
def borrower_headers():
    return bearer(make_borrower_token("cust_alice"))
