"""Accounts over HTTP: sign in for a token, list and revoke tokens, who am I, borrower sign-out."""

import json

import pytest
from django.test import Client, override_settings

from microloan.accounts.models import BorrowerApiToken, LoginThrottle, StaffApiToken
from microloan.accounts.roles import RISK_ANALYST
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]

PASSWORD = "correct horse battery"
TOKENS = "/api/v1/accounts/tokens"


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice():
    return make_staff(username="alice", password=PASSWORD, role=RISK_ANALYST, department="risk")


def sign_in(client, body):
    return client.post(TOKENS, data=json.dumps(body), content_type="application/json")


def credentials(**changes):
    return {"username": "alice", "password": PASSWORD, "name": "cli", **changes}


def test_signing_in_returns_a_working_token_once(client, alice):
    response = sign_in(client, credentials(expires_in_days=7))
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("mls_") and body["id"].startswith("tok_")
    assert body["name"] == "cli" and body["revoked_at"] is None and body["expires_at"]
    me = client.get("/api/v1/accounts/me", **bearer(body["token"]))
    assert me.status_code == 200
    listed = client.get(TOKENS, **bearer(body["token"])).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]


def test_wrong_credentials_are_401_and_counted(client, alice):
    response = sign_in(client, credentials(password="nope"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert LoginThrottle.objects.get(username="alice").failures == 1
    assert not StaffApiToken.objects.exists()


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_too_many_failures_are_429_with_retry_after(client, alice):
    for _ in range(2):
        sign_in(client, credentials(password="nope"))
    response = sign_in(client, credentials())
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"
    assert int(response["Retry-After"]) > 0
    assert not StaffApiToken.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "x" * 151}, "username"),
        ({"name": ""}, "name"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"scope": "all"}, "scope"),
    ],
)
def test_bad_sign_in_input_is_422_and_counts_no_failure(client, alice, changes, field):
    response = sign_in(client, credentials(**changes))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not LoginThrottle.objects.exists() and not StaffApiToken.objects.exists()


def test_me_names_the_user_roles_and_permissions(client, alice):
    response = client.get("/api/v1/accounts/me", **bearer(make_staff_token(alice)))
    body = response.json()
    assert body["username"] == "alice" and body["department"] == "risk"
    assert body["roles"] == [RISK_ANALYST]
    assert body["permissions"] == sorted(Actor.from_user(alice).permissions)


def test_revoking_a_token_stops_it_working(client, alice):
    raw = make_staff_token(alice)
    token_id = StaffApiToken.objects.get().public_id
    response = client.delete(f"{TOKENS}/{token_id}", **bearer(raw))
    assert response.status_code == 204
    assert client.get("/api/v1/accounts/me", **bearer(raw)).status_code == 401
    assert AuditRecord.objects.filter(action="api_token.revoked", object_id=token_id).exists()


def test_someone_elses_token_cannot_be_revoked(client, alice):
    make_staff_token(alice)
    token_id = StaffApiToken.objects.get().public_id
    mallory = bearer(make_staff_token(make_staff()))
    response = client.delete(f"{TOKENS}/{token_id}", **mallory)
    assert response.status_code == 404 and response.json()["code"] == "token_not_found"
    assert StaffApiToken.objects.get(public_id=token_id).revoked_at is None


def test_an_over_long_token_id_is_422(client, alice):
    response = client.delete(f"{TOKENS}/{'x' * 41}", **bearer(make_staff_token(alice)))
    assert response.status_code == 422 and "token_id" in response.json()["fields"]


def test_a_borrower_signs_out(client):
    raw = make_borrower_token("cust_1")
    other = make_borrower_token("cust_1")
    response = client.delete("/api/v1/accounts/borrower-tokens/current", **bearer(raw))
    assert response.status_code == 204
    again = client.delete("/api/v1/accounts/borrower-tokens/current", **bearer(raw))
    assert again.status_code == 401
    assert BorrowerApiToken.objects.filter(revoked_at__isnull=True).count() == 1
    assert (
        Client().delete("/api/v1/accounts/borrower-tokens/current", **bearer(other)).status_code
        == 204
    )
