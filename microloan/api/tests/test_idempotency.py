"""``@idempotent``: replay, refusal of reused keys, in-flight requests, crashes and retries."""

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from microloan.accounts.roles import ROLES
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.api import idempotency
from microloan.api.idempotency import REPLAYED_HEADER, purge_idempotency_keys
from microloan.api.models import IdempotencyKey
from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (fixture)

from .conftest import JsonClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.api.tests.testapi")]

URL = "/t/groups"


def post(client, headers, body, key="key-1", url=URL, **extra):
    return client.post_json(url, body, HTTP_IDEMPOTENCY_KEY=key, **headers, **extra)


def made_groups():
    return sorted(Group.objects.exclude(name__in=ROLES).values_list("name", flat=True))


def request_hash(body, query=""):
    """What the layer stores: SHA-256 of the query string, a newline, and the body as sent."""
    return hashlib.sha256(f"{query}\n{json.dumps(body)}".encode()).hexdigest()


def insert_key(staff, *, status="in_flight", locked_until, created_at=None, **fields):
    """A key row as an earlier request with body {"name": "a"} left it."""
    now = timezone.now()
    return IdempotencyKey.objects.create(
        caller=f"staff:{staff.pk}",
        method="POST",
        path=URL,
        key="key-1",
        request_hash=request_hash({"name": "a"}),
        status=status,
        lease_id=uuid.uuid4(),
        locked_until=locked_until,
        created_at=created_at or now,
        **fields,
    )


def test_the_first_request_runs_and_its_reply_is_stored(client, staff, staff_headers):
    response = post(client, staff_headers, {"name": "a"})
    assert response.status_code == 201
    assert REPLAYED_HEADER not in response
    row = IdempotencyKey.objects.get()
    assert (row.caller, row.method, row.path, row.key) == (
        f"staff:{staff.pk}",
        "POST",
        URL,
        "key-1",
    )
    assert row.request_hash == request_hash({"name": "a"})
    assert row.status == "completed" and row.response_status == 201
    assert bytes(row.response_body) == response.content


def test_the_same_key_and_body_replay_the_reply_without_running_again(client, staff_headers):
    first = post(client, staff_headers, {"name": "a"})
    again = post(client, staff_headers, {"name": "a"})
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again[REPLAYED_HEADER] == "true"
    assert made_groups() == ["a"]


def test_another_token_of_the_same_person_replays_too(client, staff, staff_headers):
    post(client, staff_headers, {"name": "a"})
    again = post(client, bearer(make_staff_token(staff)), {"name": "a"})
    assert again[REPLAYED_HEADER] == "true"


def test_the_same_key_with_another_body_is_refused(client, staff_headers):
    post(client, staff_headers, {"name": "a"})
    response = post(client, staff_headers, {"name": "b"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert made_groups() == ["a"]


def test_the_same_key_with_another_query_string_is_refused(client, staff_headers):
    post(client, staff_headers, {"name": "a"}, url=URL + "?x=1")
    response = post(client, staff_headers, {"name": "a"}, url=URL + "?x=2")
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_missing_key_is_400_and_nothing_runs(client, staff_headers):
    response = client.post_json(URL, {"name": "a"}, **staff_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in response.json()["fields"]
    assert made_groups() == [] and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", " ", "a" * 256, "with space", "caf\xe9", "tab\there"])
def test_a_malformed_key_is_400(client, staff_headers, key):
    response = post(client, staff_headers, {"name": "a"}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert made_groups() == [] and not IdempotencyKey.objects.exists()


def test_a_key_of_255_characters_is_accepted(client, staff_headers):
    assert post(client, staff_headers, {"name": "a"}, key="k" * 255).status_code == 201


def test_a_request_in_flight_is_409(client, staff, staff_headers):
    row = insert_key(staff, locked_until=timezone.now() + dt.timedelta(seconds=30))
    response = post(client, staff_headers, {"name": "a"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_request_in_flight"
    assert made_groups() == []
    assert (
        IdempotencyKey.objects.get() == row and IdempotencyKey.objects.get().status == "in_flight"
    )


def test_an_expired_lease_is_taken_over(client, staff, staff_headers):
    """The earlier process died mid-request: its business transaction never committed."""
    stale = insert_key(staff, locked_until=timezone.now() - dt.timedelta(seconds=1))
    response = post(client, staff_headers, {"name": "a"})
    assert response.status_code == 201
    row = IdempotencyKey.objects.get()
    assert row.pk == stale.pk and row.status == "completed" and row.lease_id != stale.lease_id
    assert made_groups() == ["a"]


def test_a_key_older_than_its_ttl_is_a_new_key(client, staff, staff_headers):
    insert_key(
        staff,
        status="completed",
        locked_until=timezone.now(),
        created_at=timezone.now() - dt.timedelta(hours=49),
        response_status=201,
    )
    response = post(client, staff_headers, {"name": "a"})
    assert response.status_code == 201 and REPLAYED_HEADER not in response
    assert made_groups() == ["a"]


@pytest.mark.parametrize(("name", "status"), [("boom", 500), ("unavailable", 503)])
def test_a_5xx_stores_nothing_and_a_retry_runs_again(client, staff_headers, name, status):
    response = post(client, staff_headers, {"name": name})
    assert response.status_code == status
    assert made_groups() == [] and not IdempotencyKey.objects.exists()
    retry = post(client, staff_headers, {"name": name})
    assert retry.status_code == status and REPLAYED_HEADER not in retry


def test_a_business_refusal_is_stored_and_replayed(client, staff_headers):
    first = post(client, staff_headers, {"name": "conflict"})
    assert first.status_code == 409 and first.json()["code"] == "group_conflict"
    again = post(client, staff_headers, {"name": "conflict"})
    assert again.status_code == 409 and again[REPLAYED_HEADER] == "true"
    assert made_groups() == []


@pytest.mark.parametrize(
    "bad_body",
    [{"name": 1}, {"name": "a", "extra": 1}, {"name": "invalid"}],
    ids=["schema", "unknown-field", "service-validation"],
)
def test_refused_input_keeps_no_reply_so_the_key_can_be_reused(client, staff_headers, bad_body):
    assert post(client, staff_headers, bad_body).status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert post(client, staff_headers, {"name": "fixed"}).status_code == 201
    assert made_groups() == ["fixed"]


def test_an_unauthenticated_request_claims_no_key(client):
    for headers in ({}, bearer("mls_not-a-token")):
        response = post(client, headers, {"name": "a"})
        assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_keys_belong_to_their_caller(client, staff_headers):
    post(client, staff_headers, {"name": "a"})
    someone_else = bearer(make_staff_token(make_staff()))
    assert post(client, someone_else, {"name": "b"}).status_code == 201
    borrower = bearer(make_borrower_token("cust_bob"))
    assert post(client, borrower, {"name": "c"}, url="/t/borrower-groups").status_code == 201
    callers = set(IdempotencyKey.objects.values_list("caller", flat=True))
    assert len(callers) == 3 and "borrower:cust_bob" in callers


def test_keys_belong_to_their_path(client, staff_headers):
    post(client, staff_headers, {"name": "a"})
    assert post(client, staff_headers, {"name": "b"}, url="/t/public-groups").status_code == 201


def test_anonymous_callers_are_told_apart_by_address(client):
    url = "/t/public-groups"
    assert post(client, {}, {"name": "a"}, url=url, REMOTE_ADDR="10.0.0.1").status_code == 201
    assert post(client, {}, {"name": "b"}, url=url, REMOTE_ADDR="10.0.0.2").status_code == 201
    reused = post(client, {}, {"name": "c"}, url=url, REMOTE_ADDR="10.0.0.1")
    assert reused.json()["code"] == "idempotency_key_reused"
    assert IdempotencyKey.objects.filter(caller="anonymous:10.0.0.1").exists()


@override_settings(IDEMPOTENCY_KEY_TTL_HOURS=48)
def test_purge_deletes_keys_older_than_the_ttl(staff):
    now = timezone.now()
    old = insert_key(staff, locked_until=now, created_at=now - dt.timedelta(hours=49))
    young = IdempotencyKey.objects.create(
        **{
            **{f: getattr(old, f) for f in ("caller", "method", "path", "request_hash")},
            "key": "key-2",
            "lease_id": uuid.uuid4(),
            "locked_until": now,
            "created_at": now - dt.timedelta(hours=47),
        }
    )
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert list(IdempotencyKey.objects.all()) == [young]
    assert "Deleted 1" in out.getvalue()


@override_settings(IDEMPOTENCY_KEY_TTL_HOURS=1)
def test_keys_are_kept_at_least_a_day(staff):
    now = timezone.now()
    insert_key(staff, locked_until=now, created_at=now - dt.timedelta(hours=23))
    assert purge_idempotency_keys() == 0


def test_the_openapi_schema_documents_the_header(client):
    from microloan.api.tests.testapi import test_api

    schema = test_api.get_openapi_schema(path_prefix="/t/")
    params = schema["paths"]["/t/groups"]["post"]["parameters"]
    assert [p["name"] for p in params].count("Idempotency-Key") == 1
    assert not schema["paths"]["/t/plain-groups"]["post"].get("parameters")


# --- across processes: PostgreSQL, real commits -----------------------------------------------


def _in_thread(target):
    result = {}

    def run():
        try:
            result["value"] = target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_request_runs(audit_rows_erasable):  # noqa: F811
    headers = bearer(make_staff_token(make_staff()))
    slow, slow_result = _in_thread(lambda: post(JsonClient(), headers, {"name": "slow"}))
    deadline = time.monotonic() + 5
    while not IdempotencyKey.objects.filter(status="in_flight").exists():
        assert time.monotonic() < deadline, "the in-flight claim never became visible"
        time.sleep(0.02)
    assert made_groups() == []  # the business write is not committed while it runs
    concurrent = post(JsonClient(), headers, {"name": "slow"})
    assert concurrent.status_code == 409
    assert concurrent.json()["code"] == "idempotency_request_in_flight"
    slow.join()
    assert slow_result["value"].status_code == 201
    replay = post(JsonClient(), headers, {"name": "slow"})
    assert replay[REPLAYED_HEADER] == "true"
    assert made_groups() == ["slow"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_request_past_its_lease_is_not_taken_over(
    audit_rows_erasable,  # noqa: F811
    monkeypatch,
):
    """Its transaction holds the key's row: the process is alive, so the lease is not the truth."""
    monkeypatch.setattr(idempotency, "LEASE", dt.timedelta(milliseconds=100))
    headers = bearer(make_staff_token(make_staff()))
    slow, slow_result = _in_thread(lambda: post(JsonClient(), headers, {"name": "slow"}))
    deadline = time.monotonic() + 5
    while not IdempotencyKey.objects.filter(status="in_flight").exists():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.15)  # the lease has run out, but the first request is still working
    second = post(JsonClient(), headers, {"name": "slow"})
    assert second.status_code == 409
    slow.join()
    assert slow_result["value"].status_code == 201
    assert post(JsonClient(), headers, {"name": "slow"})[REPLAYED_HEADER] == "true"
    assert made_groups() == ["slow"]
