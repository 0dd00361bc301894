"""The role table: every operation of the root API × every role, called for real.

A staff role may call a route iff it holds every permission the route's ``staff_auth`` names;
borrower routes refuse every staff token and staff routes every borrower token; the auditor
changes nothing. Operations are found by walking the root API, so routers mounted later are
covered without touching this file.

"Allowed" means any answer but 401/403: routes are called with an empty body and made-up path
ids, so 404/409/422 are normal. A route must therefore not answer 403 for a reason other than
the caller's role (a business refusal such as maker = checker is 409 or 422).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, TestCase
from ninja.constants import NOT_SET
from ninja.utils import normalize_path

from microloan.accounts.roles import AUDITOR, ROLES
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api.auth import BorrowerTokenAuth, StaffTokenAuth
from microloan.api_root import api
from microloan.kernel.actors import Actor

pytestmark = pytest.mark.django_db

# Routes without auth that change something; each must be safe for anyone to call.
PUBLIC_WRITE_ROUTES = {
    ("POST", "/api/v1/accounts/tokens"),  # sign-in with username + password, rate limited
    ("POST", "/api/v1/customers/registration/codes"),  # SMS code, same reply for all phones
    ("POST", "/api/v1/customers/register"),  # borrower self-registration, with the SMS code
    ("POST", "/api/v1/customers/sign-in/codes"),  # SMS code, same reply for all phones
    ("POST", "/api/v1/customers/sign-in"),  # borrower sign-in with the SMS code
    ("POST", "/api/v1/payments/callbacks/x"),  # bank callback, authenticated by HMAC signature
}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_PATH_PARAM = re.compile(r"\{(?:(\w+):)?\w+\}")
_SAMPLE_PARAM = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}


def _url(root: str, prefix: str, path: str) -> str:
    url = normalize_path(f"{root}/{prefix}/{path}")
    return _PATH_PARAM.sub(lambda m: _SAMPLE_PARAM.get(m.group(1) or "str", "x"), url)


def operations_of(ninja_api, root: str):
    """(method, url, operation) for every operation of ``ninja_api`` served under ``root``."""
    for bound in ninja_api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield method, _url(root, bound.prefix, path), operation


OPERATIONS = [
    pytest.param(method, url, op, id=f"{method} {url}")
    for method, url, op in operations_of(api, "/api/v1/")
]
WRITE_OPERATIONS = [p for p in OPERATIONS if p.values[0] not in READ_METHODS]


@pytest.fixture
def callers():
    """role -> (headers, permissions); "borrower" -> (headers, None)."""
    table = {}
    for role in ROLES:
        user = make_staff(role=role)
        table[role] = (bearer(make_staff_token(user)), Actor.from_user(user).permissions)
    table["borrower"] = (bearer(make_borrower_token("cust_role_table")), None)
    return table


def _may_call(operation, permissions: frozenset[str] | None) -> bool:
    if not operation.auth_callbacks:
        return True
    for auth in operation.auth_callbacks:
        if isinstance(auth, StaffTokenAuth) and permissions is not None:
            if set(auth.perms) <= permissions:
                return True
        elif isinstance(auth, BorrowerTokenAuth) and permissions is None:
            return True
    return False


class _RolledBack(TestCase):
    """Its transaction is a test case's own, which durable use cases may run inside."""

    databases = {"default"}


def _call(method: str, url: str, headers: dict):
    """One request whose writes are rolled back, so callers do not see each other's effects."""
    extra = {**headers, "HTTP_IDEMPOTENCY_KEY": "role-table"}
    atomics = _RolledBack._enter_atomics()
    try:
        if method in READ_METHODS:
            response = Client().generic(method, url, **extra)
        else:
            response = Client().generic(
                method, url, data="{}", content_type="application/json", **extra
            )
    finally:
        _RolledBack._rollback_atomics(atomics)
    return response


def table_mismatches(callers, method: str, url: str, operation) -> list[str]:
    wrong = []
    for caller, (headers, permissions) in callers.items():
        response = _call(method, url, headers)
        allowed = response.status_code not in (401, 403)
        # An empty body or an unknown id is a 4xx, never a 5xx.
        if response.status_code >= 500 or allowed != _may_call(operation, permissions):
            wrong.append(f"{caller}: got {response.status_code} {response.content[:200]!r}")
    return wrong


@pytest.mark.parametrize(("method", "url", "operation"), OPERATIONS)
def test_each_role_may_call_exactly_the_routes_it_holds_permissions_for(
    callers, method, url, operation
):
    wrong = table_mismatches(callers, method, url, operation)
    assert not wrong, f"{method} {url} ({operation.auth_callbacks}):\n" + "\n".join(wrong)


@pytest.mark.urls("microloan.api.tests.testapi")
def test_the_table_catches_a_route_that_checks_another_permission_than_it_declares(callers):
    from microloan.api.tests.testapi import test_api

    found = {url: (method, op) for method, url, op in operations_of(test_api, "/t/")}

    def mismatches(url):
        method, operation = found[url]
        return table_mismatches(callers, method, url, operation)

    assert mismatches("/t/token-viewers") == []
    # Only the auditor holds the declared permission without the one actually checked.
    assert {line.split(":")[0] for line in mismatches("/t/mismatched")} == {AUDITOR}


@pytest.mark.parametrize(("method", "url", "operation"), WRITE_OPERATIONS)
def test_the_auditor_changes_nothing(callers, method, url, operation):
    if not operation.auth_callbacks:
        assert (method, url) in PUBLIC_WRITE_ROUTES, (
            f"{method} {url} changes something without auth: give it staff_auth(<perm>) or, if "
            "anyone may really call it, add it to PUBLIC_WRITE_ROUTES with the reason"
        )
        return
    if all(getattr(auth, "self_service", False) for auth in operation.auth_callbacks):
        return  # acts on the caller's own account only (e.g. revoking their own token)
    headers, _permissions = callers[AUDITOR]
    response = _call(method, url, headers)
    assert response.status_code in (401, 403), (
        f"the auditor may {method} {url}: name a permission that is not a view_* one"
    )


@pytest.mark.parametrize(("method", "url", "operation"), OPERATIONS)
def test_every_route_declares_who_may_call_it(method, url, operation):
    assert operation.auth_callbacks or operation.auth_param is not NOT_SET, (
        f"{method} {url} has no auth: use staff_auth(...), borrower_auth, or auth=None if public"
    )
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for auth in operation.auth_callbacks:
        assert isinstance(auth, StaffTokenAuth | BorrowerTokenAuth), (
            f"{method} {url}: unknown auth {auth!r}; the role table cannot judge it"
        )
        unknown = set(auth.perms) - existing
        assert not unknown, f"{method} {url} names permissions that do not exist: {unknown}"
        if method not in READ_METHODS and isinstance(auth, StaffTokenAuth) and not auth.perms:
            assert auth.self_service, (
                f"{method} {url} changes something with no permission: name one, or declare "
                "staff_auth(self_service=True) if it only touches the caller's own account"
            )


def test_the_table_sees_every_operation_in_the_schema():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    in_schema = sum(len(methods) for methods in schema["paths"].values())
    assert len(OPERATIONS) >= in_schema > 0
