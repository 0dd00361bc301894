"""Bearer-token auth: staff tokens open staff routes with the right permissions, borrower tokens
open borrower routes, and nothing else opens anything."""

import datetime as dt

import pytest
from django.utils import timezone

from microloan.accounts.models import BorrowerApiToken, StaffApiToken
from microloan.accounts.roles import AUDITOR, CS_AGENT
from microloan.accounts.services import revoke_borrower_token, revoke_staff_token
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api.auth import staff_auth
from microloan.kernel.actors import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.api.tests.testapi")]

STAFF_URL = "/t/token-viewers"  # needs accounts.view_staffapitoken (auditors have it)
BORROWER_URL = "/t/borrowers/me"


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "fields"}


def test_a_valid_staff_token_opens_the_route_as_its_user(client):
    user = make_staff(role=AUDITOR)
    response = client.get(STAFF_URL, **bearer(make_staff_token(user)))
    assert response.status_code == 200
    assert response.json() == {"actor": user.username}


def test_a_missing_token_is_401(client):
    assert_refused(client.get(STAFF_URL), 401, "not_authenticated")
    assert_refused(client.get(BORROWER_URL), 401, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Token {raw}", "Basic {raw}", "{raw}", "Bearer {raw} extra"],
)
def test_a_malformed_authorization_header_is_401(client, header):
    raw = make_staff_token(make_staff(role=AUDITOR))
    response = client.get(STAFF_URL, HTTP_AUTHORIZATION=header.format(raw=raw))
    assert_refused(response, 401, "not_authenticated")


def test_the_scheme_is_case_insensitive(client):
    raw = make_staff_token(make_staff(role=AUDITOR))
    assert client.get(STAFF_URL, HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200


@pytest.mark.parametrize("raw", ["mls_unknown", "mls_", "x" * 2000, "mlb_unknown"])
def test_an_unknown_token_is_401(client, raw):
    assert_refused(client.get(STAFF_URL, **bearer(raw)), 401, "not_authenticated")


def test_a_revoked_staff_token_is_401(client):
    user = make_staff(role=AUDITOR)
    raw = make_staff_token(user)
    token = StaffApiToken.objects.get(user=user)
    revoke_staff_token(actor=Actor.from_user(user), token_id=token.public_id)
    assert_refused(client.get(STAFF_URL, **bearer(raw)), 401, "not_authenticated")


def test_an_expired_staff_token_is_401(client):
    user = make_staff(role=AUDITOR)
    raw = make_staff_token(user, expires_at=timezone.now() + dt.timedelta(hours=1))
    assert client.get(STAFF_URL, **bearer(raw)).status_code == 200
    StaffApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_refused(client.get(STAFF_URL, **bearer(raw)), 401, "not_authenticated")


def test_the_token_of_a_deactivated_user_is_401(client):
    user = make_staff(role=AUDITOR)
    raw = make_staff_token(user)
    user.is_active = False
    user.save()
    assert_refused(client.get(STAFF_URL, **bearer(raw)), 401, "not_authenticated")


def test_a_staff_member_without_the_permission_is_403(client):
    raw = make_staff_token(make_staff(role=CS_AGENT))
    response = client.get(STAFF_URL, **bearer(raw))
    assert_refused(response, 403, "permission_denied")
    assert response.json()["fields"] == {"permission": "accounts.view_staffapitoken"}


def test_a_superuser_holds_every_permission(client):
    raw = make_staff_token(make_staff(is_superuser=True))
    assert client.get(STAFF_URL, **bearer(raw)).status_code == 200


def test_a_staff_token_does_not_open_a_borrower_route(client):
    raw = make_staff_token(make_staff(is_superuser=True))
    assert_refused(client.get(BORROWER_URL, **bearer(raw)), 401, "not_authenticated")


def test_a_borrower_token_opens_borrower_routes_only(client):
    raw = make_borrower_token("cust_alice")
    response = client.get(BORROWER_URL, **bearer(raw))
    assert response.status_code == 200 and response.json() == {"borrower": "cust_alice"}
    assert_refused(client.get(STAFF_URL, **bearer(raw)), 401, "not_authenticated")


def test_a_revoked_or_expired_borrower_token_is_401(client):
    revoked, expired = make_borrower_token("cust_a"), make_borrower_token("cust_b")
    revoke_borrower_token(raw=revoked)
    BorrowerApiToken.objects.filter(borrower_id="cust_b").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    for raw in (revoked, expired):
        assert_refused(client.get(BORROWER_URL, **bearer(raw)), 401, "not_authenticated")


def test_last_used_is_written_at_most_once_a_minute(client):
    raw = make_staff_token(make_staff(role=AUDITOR))
    client.get(STAFF_URL, **bearer(raw))
    first = StaffApiToken.objects.get().last_used_at
    assert first is not None
    client.get(STAFF_URL, **bearer(raw))
    assert StaffApiToken.objects.get().last_used_at == first
    StaffApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(STAFF_URL, **bearer(raw))
    assert StaffApiToken.objects.get().last_used_at > first


def test_staff_auth_keeps_its_permissions_for_introspection():
    auth = staff_auth("lending.view_loan", "lending.freeze_creditline")
    assert auth.perms == ("lending.view_loan", "lending.freeze_creditline")
    assert not auth.self_service
    assert staff_auth(self_service=True).self_service


@pytest.mark.parametrize("perm", ["view_loan", "lending.loan.view", ""])
def test_staff_auth_refuses_a_malformed_permission_name(perm):
    with pytest.raises(ValueError, match=r"app_label\.codename"):
        staff_auth(perm)


def test_accounts_resolves_tokens_for_the_api_toolkit(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from microloan.accounts import services
    from microloan.api import auth

    # Registered by AccountsConfig.ready(): the toolkit itself imports no app.
    assert auth._token_resolvers == {
        "staff": services.resolve_staff_token,
        "borrower": services.resolve_borrower_token,
    }
    monkeypatch.setattr(auth, "_token_resolvers", {})
    with pytest.raises(ImproperlyConfigured, match="no staff token resolver"):
        auth.resolve_staff_token("mls_x")
