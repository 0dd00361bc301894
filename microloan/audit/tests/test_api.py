"""HTTP: GET /api/v1/audit/records and /api/v1/audit/verify with staff tokens."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction

from microloan.accounts.services import create_staff_token
from microloan.audit.services import record_audit
from microloan.audit.triggers import drop_append_only_triggers
from microloan.kernel.actors import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.audit.tests.api_urls")]

RECORDS = "/api/v1/audit/records"
VERIFY = "/api/v1/audit/verify"


def _token_for(django_user_model, username, *perms):
    user = django_user_model.objects.create_user(username=username, password="x" * 12)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    _token, raw = create_staff_token(actor=Actor.from_user(user), name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def auditor_headers(django_user_model):
    return _token_for(django_user_model, "auditor01", "audit.view_auditrecord")


@pytest.fixture
def clerk_headers(django_user_model):
    return _token_for(django_user_model, "clerk01")


@pytest.fixture
def trail(auditor_headers, clerk_headers):
    """Three business records after the two token-creation records (seq 1 and 2)."""
    clerk = Actor(kind="staff", id="clerk01")
    with transaction.atomic():
        record_audit(actor=clerk, action="line.frozen", object_type="credit_line", object_id="l1")
        record_audit(
            actor=Actor.system("eod"), action="loan.accrued", object_type="loan", object_id="a"
        )
        record_audit(
            actor=clerk,
            action="loan.written_off",
            object_type="loan",
            object_id="b",
            before={"status": "overdue", "id_number": "11010519491231002X"},
            after={"status": "written_off"},
        )


def test_records_need_a_token(client, trail):
    response = client.get(RECORDS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_records_need_the_view_permission(client, trail, clerk_headers):
    response = client.get(RECORDS, **clerk_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_records_are_listed_newest_first_with_masked_data(client, trail, auditor_headers):
    response = client.get(RECORDS, **auditor_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [item["seq"] for item in body["items"]] == [5, 4, 3, 2, 1]
    newest = body["items"][0]
    assert newest["before"] == {"status": "overdue", "id_number": "110***********002X"}
    assert set(newest) >= {"created_at", "actor_kind", "actor_id", "action", "record_hash"}
    assert "id" not in newest  # raw primary keys never leave the database


@pytest.mark.parametrize(
    ("query", "seqs"),
    [
        ({"object_type": "loan"}, [5, 4]),
        ({"object_type": "loan", "object_id": "b"}, [5]),
        ({"actor_id": "eod"}, [4]),
        ({"action": "loan"}, [5, 4]),
        ({"action": "api_token.created"}, [2, 1]),
        ({"date_from": "2000-01-01", "date_to": "2000-01-31"}, []),
        ({"date_from": "2000-01-01"}, [5, 4, 3, 2, 1]),
    ],
)
def test_filters(client, trail, auditor_headers, query, seqs):
    response = client.get(RECORDS, query, **auditor_headers)
    assert [item["seq"] for item in response.json()["items"]] == seqs


def test_records_are_paginated(client, auditor_headers):
    with transaction.atomic():
        for n in range(55):
            record_audit(
                actor=Actor.system("eod"),
                action="loan.accrued",
                object_type="loan",
                object_id=f"{n}",
            )
    second = client.get(RECORDS, {"page": 2, "action": "loan"}, **auditor_headers).json()
    assert second["count"] == 55
    # Seq 1 records the token; the 55 accruals are seq 2..56, newest first.
    assert [item["seq"] for item in second["items"]] == [6, 5, 4, 3, 2]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "not-a-date"}, "date_from"),
        ({"object_type": "x" * 65}, "object_type"),
    ],
)
def test_bad_filters_are_422_naming_the_field(client, trail, auditor_headers, query, field):
    response = client.get(RECORDS, query, **auditor_headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert field in str(body["fields"])


def test_verify_reports_an_intact_chain(client, trail, auditor_headers):
    response = client.get(VERIFY, **auditor_headers)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "verified": 5,
        "first_broken": None,
        "anchors": 0,
        "anchored_seq": 0,
    }


def test_verify_names_a_tampered_record(client, trail, auditor_headers):
    drop_append_only_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET actor_id = 'nobody' WHERE seq = 4")
    body = client.get(VERIFY, **auditor_headers).json()
    assert (body["ok"], body["verified"]) == (False, 3)
    assert body["first_broken"]["seq"] == 4
    assert body["first_broken"]["problem"] == "hash_mismatch"
    assert body["first_broken"]["object_id"] == "a"


def test_verify_needs_the_view_permission(client, clerk_headers):
    assert client.get(VERIFY, **clerk_headers).status_code == 403


def test_there_is_no_way_to_write_through_the_api(client, trail, auditor_headers):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(RECORDS, **auditor_headers)
        assert response.status_code == 405, method
