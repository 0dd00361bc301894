"""A schema-driven fuzzer over the whole published API: no input answers 5xx, and every reply
matches the published schema.

schemathesis reads ``/api/v1/openapi.json`` from the project's WSGI app and, for every
operation, sends a bounded number of generated requests (valid and invalid bodies, query
strings, path ids, headers) as a staff superuser on the staff routes (every permission, so
validation and services are reached) and as a borrower on the borrower routes. Examples are
derandomized so a run is repeatable; a new 5xx or a reply that drifts from its schema fails CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api.auth import BorrowerTokenAuth
from microloan.api_root import api
from microloan.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 3
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]


def _borrower_operations() -> list[str]:
    """schemathesis names ("GET /api/v1/lending/me/loans") of the routes borrower tokens open."""
    names = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if any(isinstance(auth, BorrowerTokenAuth) for auth in operation.auth_callbacks):
                    url = f"/api/v1/{prefix}{path}".replace("//", "/")
                    names += [f"{method} {url}" for method in operation.methods]
    return names


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# A borrower token opens only borrower routes (anything else is a 401 before any input is
# read), and a staff token only the others: each caller is fuzzed where it gets in.
BORROWER_OPERATIONS = _borrower_operations()
staff_schema = schema.exclude(name=BORROWER_OPERATIONS)
borrower_schema = schema.include(name=BORROWER_OPERATIONS)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes database connections at each request's start and end; under a
    test that is the test's own transaction (on PostgreSQL the connection really closes, and
    later queries would run outside it). Django's test client unhooks the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def superuser_headers():
    return bearer(make_staff_token(make_staff(is_superuser=True)))


@pytest.fixture
def borrower_headers():
    return bearer(make_borrower_token("cust_fuzz"))


@staff_schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_superuser_no_input_answers_5xx_and_replies_match_the_schema(case, superuser_headers):
    case.call_and_validate(headers=superuser_headers, checks=CHECKS)


@borrower_schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_borrower_no_input_answers_5xx_and_replies_match_the_schema(case, borrower_headers):
    case.call_and_validate(headers=borrower_headers, checks=CHECKS)


def test_the_borrower_routes_were_found():
    assert len(BORROWER_OPERATIONS) >= 10, BORROWER_OPERATIONS
