"""A schema-driven fuzzer over the whole published API: no input answers 5xx, and every reply
matches the published schema.

schemathesis reads ``/api/v1/openapi.json`` from the project's WSGI app and, for every
operation, sends a bounded number of generated requests (valid and invalid bodies, query
strings, path ids, headers) as a staff superuser (every permission, so validation and
services are reached) and as a borrower. Examples are derandomized so a run is repeatable; a
new 5xx or a reply that drifts from its schema fails CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 3

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(params=["superuser", "borrower"])
def caller_headers(request):
    if request.param == "superuser":
        return bearer(make_staff_token(make_staff(is_superuser=True)))
    return bearer(make_borrower_token("cust_fuzz"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_answers_5xx_and_replies_match_the_schema(case, caller_headers):
    case.call_and_validate(
        headers=caller_headers, checks=[not_a_server_error, response_schema_conformance]
    )
