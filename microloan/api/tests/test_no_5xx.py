"""What used to answer 500 answers a 4xx in the error shape, or 503 with Retry-After when the
database is busy: out-of-range dates, 64-bit page numbers, multipart without a boundary, a
database lock held past the busy timeout."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError
from django.db.models import QuerySet

from microloan.accounts.models import StaffApiToken
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api_root import api
from microloan.kernel.input_types import MAX_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_headers():
    return bearer(make_staff_token(make_staff(is_superuser=True)))


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    return body


def _query_names(operation):
    for model in operation.models:
        for name, field in model.model_fields.items():
            yield name
            yield from getattr(field.annotation, "model_fields", {})  # Query[Filters] nests


def _paged_list_routes():
    """GET routes without path parameters that take a ``page`` query parameter."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            url = f"/api/v1/{prefix}{path}".replace("//", "/")
            for operation in path_view.operations:
                paged = "page" in set(_query_names(operation))
                if paged and "{" not in url and "GET" in operation.methods:
                    yield url


STAFF_LISTS = sorted(url for url in _paged_list_routes() if "/me/" not in url)
BORROWER_LISTS = sorted(url for url in _paged_list_routes() if "/me/" in url)


def test_the_list_routes_were_found():
    assert len(STAFF_LISTS) >= 10 and len(BORROWER_LISTS) >= 4, (STAFF_LISTS, BORROWER_LISTS)


@pytest.mark.parametrize("url", STAFF_LISTS)
@pytest.mark.parametrize("page", [str(2**70), str(MAX_PAGE + 1), "0", "-1"])
def test_a_page_number_out_of_range_is_422_on_every_staff_list(
    client, superuser_headers, url, page
):
    body = assert_error(
        client.get(url, {"page": page}, **superuser_headers), 422, "validation_failed"
    )
    assert "page" in body["fields"]


@pytest.mark.parametrize("url", BORROWER_LISTS)
def test_a_64_bit_page_number_is_422_on_every_borrower_list(client, url):
    headers = bearer(make_borrower_token("cust_alice"))
    body = assert_error(client.get(url, {"page": str(2**64)}, **headers), 422, "validation_failed")
    assert "page" in body["fields"]


@pytest.mark.parametrize("url", STAFF_LISTS)
def test_a_page_size_over_200_is_422(client, superuser_headers, url):
    body = assert_error(
        client.get(url, {"page_size": "201"}, **superuser_headers), 422, "validation_failed"
    )
    assert "page_size" in body["fields"]


@pytest.mark.parametrize("opened_on", ["9999-12-31", "2200-01-01", "1899-12-31", 0, True])
def test_line_opening_refuses_a_date_out_of_range(client, superuser_headers, opened_on):
    payload = {
        "customer_id": "cust_nobody",
        "product_version_id": "pv_nothing",
        "limit": "1000.00",
        "daily_rate": "0.0005",
        "opened_on": opened_on,
    }
    response = client.post(
        "/api/v1/lending/lines",
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-opened-on",
        **superuser_headers,
    )
    body = assert_error(response, 422, "validation_failed")
    assert "opened_on" in body["fields"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/contracts/contracts/verify"),  # reads an uploaded file
        ("POST", "/api/v1/lending/lines"),
        ("PATCH", "/api/v1/products/versions/pv_nothing"),
    ],
)
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_multipart_without_a_boundary_is_a_4xx_in_the_error_shape(
    client, superuser_headers, method, url, content_type
):
    response = client.generic(
        method,
        url,
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
        content_type=content_type,
        HTTP_IDEMPOTENCY_KEY="k-multipart",
        **superuser_headers,
    )
    assert response.status_code in (400, 415, 422), response.content
    assert set(response.json()) == {"code", "message", "fields"}


def _busy(*_args, **_kwargs):
    raise OperationalError("database is locked")


class _PgLockTimeout(Exception):
    sqlstate = "55P03"


def _pg_busy(*_args, **_kwargs):
    raise OperationalError("canceling statement due to lock timeout") from _PgLockTimeout()


@pytest.mark.parametrize("raise_busy", [_busy, _pg_busy], ids=["sqlite", "postgresql"])
def test_a_busy_database_is_503_with_retry_after(client, monkeypatch, raise_busy):
    monkeypatch.setattr("microloan.api.auth.resolve_staff_token", raise_busy)
    response = client.get("/api/v1/lending/loans", HTTP_AUTHORIZATION="Bearer mls_x")
    assert_error(response, 503, "database_busy")
    assert re.fullmatch(r"[1-9][0-9]*", response["Retry-After"])


def test_another_database_error_is_still_a_logged_500(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("no such table: accounts_staffapitoken")

    monkeypatch.setattr("microloan.api.auth.resolve_staff_token", broken)
    response = client.get("/api/v1/lending/loans", HTTP_AUTHORIZATION="Bearer mls_x")
    assert_error(response, 500, "internal_error")


def test_a_read_is_answered_when_recording_token_use_meets_a_busy_database(
    client, superuser_headers, monkeypatch
):
    StaffApiToken.objects.update(last_used_at=None)  # due for a touch
    monkeypatch.setattr(QuerySet, "update", _busy)
    response = client.get("/api/v1/lending/loans", **superuser_headers)
    assert response.status_code == 200, response.content
