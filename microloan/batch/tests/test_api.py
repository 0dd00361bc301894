"""The runs API: who may list, look at and start runs; idempotent starts; bad input refused."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_staff_token
from microloan.batch.models import EodRun
from microloan.kernel.services import get_business_date

from .conftest import BOOK_DATE, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.batch.tests.urls")]
RUNS = "/api/v1/batch/runs"


@pytest.fixture
def client():
    return Client()


def _headers(django_user_model, username, *perms):
    return bearer(make_staff_token(make_user(django_user_model, username, *perms)))


@pytest.fixture
def operator(django_user_model):
    return _headers(django_user_model, "eod_operator", "batch.run_eod", "batch.view_eodrun")


@pytest.fixture
def viewer(django_user_model):
    return _headers(django_user_model, "eod_viewer", "batch.view_eodrun")


def _post(client, headers, body, key="k-1"):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        RUNS, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def test_start_a_run_then_list_and_read_it(client, book, operator):
    started = _post(client, operator, {"business_date": BOOK_DATE.isoformat()})
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["business_date"] == BOOK_DATE.isoformat()
    assert run["status"] == "completed" and run["started_by"] == "staff:eod_operator"
    assert [s["step"] for s in run["steps"]][:2] == ["mark_due", "accrue_interest"]
    assert get_business_date() == BOOK_DATE.replace(day=2)

    listed = client.get(RUNS, **operator).json()
    assert [r["id"] for r in listed] == [run["id"]]
    detail = client.get(f"{RUNS}/{run['id']}", **operator).json()
    assert detail["id"] == run["id"]
    assert {(c["step"], c["partition"]) for c in detail["checkpoints"]} >= {("mark_due", 0)}


def test_the_same_key_replays_the_run_instead_of_running_another_day(client, book, operator):
    first = _post(client, operator, {})
    again = _post(client, operator, {})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert EodRun.objects.count() == 1
    assert get_business_date() == BOOK_DATE.replace(day=2)


def test_a_stale_business_date_is_refused(client, book, operator):
    response = _post(client, operator, {"business_date": "2026-02-27"})
    assert response.status_code == 409
    assert response.json()["code"] == "business_date_mismatch"
    assert "business_date" in response.json()["fields"]
    assert not EodRun.objects.exists()
    assert get_business_date() == BOOK_DATE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"partitions": 0}, "partitions"),
        ({"partitions": "many"}, "partitions"),
        ({"business_date": "yesterday"}, "business_date"),
        ({"until": "2026-03-05"}, "until"),  # unknown field
    ],
)
def test_bad_input_is_refused_and_nothing_runs(client, book, operator, body, field):
    response = _post(client, operator, body)
    assert response.status_code == 422
    assert any(field in key for key in response.json()["fields"]), response.json()
    assert not EodRun.objects.exists()
    assert get_business_date() == BOOK_DATE


def test_a_start_needs_an_idempotency_key(client, book, operator):
    response = _post(client, operator, {}, key=None)
    assert 400 <= response.status_code < 500
    assert not EodRun.objects.exists()


def test_permissions(client, book, viewer, django_user_model):
    assert client.get(RUNS).status_code == 401
    nobody = _headers(django_user_model, "nobody")
    assert client.get(RUNS, **nobody).status_code == 403
    assert client.get(RUNS, **viewer).status_code == 200
    refused = _post(client, viewer, {})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not EodRun.objects.exists()


def test_unknown_run_and_bad_limit(client, viewer):
    missing = client.get(f"{RUNS}/eod_nope", **viewer)
    assert missing.status_code == 404 and missing.json()["code"] == "eod_run_not_found"
    bad = client.get(f"{RUNS}?limit=0", **viewer)
    assert bad.status_code == 422 and "limit" in bad.json()["fields"]
