"""The published OpenAPI says what the API answers.

ninja files every schema under its class name; two different classes of one name leave one
entry that both routes point to (the ledger's journal lines once pointed to the credit-line
``LineOut``). Real replies of the main routes are validated against the published document.
"""

from __future__ import annotations

import json
import types
import typing

import jsonschema_rs
import pytest
from pydantic import BaseModel

from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api_root import api

pytestmark = pytest.mark.django_db


def _models(annotation):
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _models(arg)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)


def _published_models():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                # ninja's own wrappers (BodyParams, the response wrapper) are not published:
                # start from their fields.
                roots = [*operation.models, *operation.response_models.values()]
                for root in roots:
                    for field in getattr(root, "model_fields", {}).values():
                        yield from _models(field.annotation)


def test_no_two_schemas_share_a_name():
    shapes: dict[str, set[str]] = {}
    for model in _published_models():
        schema = json.dumps(model.model_json_schema(), sort_keys=True, default=str)
        shapes.setdefault(model.__name__, set()).add(schema)
    clashes = sorted(name for name, found in shapes.items() if len(found) > 1)
    assert clashes == []


def test_the_renamed_schemas_are_the_ones_published(client):
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "debit" in components["JournalLineOut"]["properties"]
    assert "limit" in components["LineOut"]["properties"]
    assert "body_zh" in components["MessageTemplateOut"]["properties"]
    assert {"sla", "sla_due_at"} <= set(components["QueueRowOut"]["properties"])


def _reply_validator(document: dict, path: str, method: str, status: int):
    """A validator for the JSON reply of one operation, references resolved in ``document``."""
    reply = document["paths"][path][method]["responses"][str(status)]
    schema = reply["content"]["application/json"]["schema"]
    wrapper = {**schema, "components": document["components"]}
    return jsonschema_rs.validator_for(wrapper)


STAFF_READS = [
    "/api/v1/accounts/tokens",
    "/api/v1/ledger/accounts",
    "/api/v1/ledger/trial-balance",
    "/api/v1/ledger/entries",
    "/api/v1/lending/lines",
    "/api/v1/lending/loans",
    "/api/v1/lending/requests",
    "/api/v1/notifications/templates",
    "/api/v1/notifications/messages",
    "/api/v1/origination/applications",
    "/api/v1/origination/queues/initial",
    "/api/v1/payments/orders",
    "/api/v1/collections/cases",
    "/api/v1/contracts/contracts",
    "/api/v1/audit/records",
    "/api/v1/products/",
]
BORROWER_READS = [
    "/api/v1/lending/me/lines",
    "/api/v1/lending/me/loans",
    "/api/v1/notifications/me/inbox",
    "/api/v1/payments/me/orders",
    "/api/v1/contracts/me/contracts",
]


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def _check(client, document, url, headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.content)
    validator = _reply_validator(document, url, "get", 200)
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], url


def test_staff_replies_match_the_published_schema(client, document):
    headers = bearer(make_staff_token(make_staff(is_superuser=True)))
    # A ledger entry, so journal lines are in a reply and checked against JournalLineOut.
    entry = client.post(
        "/api/v1/ledger/entries",
        {
            "lines": [
                {"account": "1002", "debit": "5.00"},
                {"account": "6021", "credit": "5.00"},
            ],
            "description": "openapi check",
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="openapi-entry",
        **headers,
    )
    assert entry.status_code in (200, 201), entry.content
    for url in STAFF_READS:
        _check(client, document, url, headers)


def test_borrower_replies_match_the_published_schema(client, document):
    headers = bearer(make_borrower_token("cust_alice"))
    for url in BORROWER_READS:
        _check(client, document, url, headers)
