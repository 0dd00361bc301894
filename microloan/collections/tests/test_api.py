"""The collections API over HTTP: permissions per role, conduct refusals as 422 with their
code (and the refusal row kept), bad input refused with nothing stored, stats and strategies."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.batch.services import BATCH_ACTOR
from microloan.customers.testing import make_customer
from microloan.kernel.services import get_business_date
from microloan.lending.models import MakerCheckerRequest

from ..models import CollectionStrategy, ContactAttempt, PromiseToPay, RefusedContactAttempt
from ..services import contacts
from ..services.assignment import assign_cases
from .conftest import D1_PHONE, run_hook, set_overdue

pytestmark = pytest.mark.django_db
BASE = "/api/v1/collections"
_keys = itertools.count(1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(client, path, body, headers, method="post"):
    return getattr(client, method)(
        BASE + path,
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"key-{next(_keys)}",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def get(client, path, headers, **params):
    return client.get(BASE + path, params, HTTP_ACCEPT_LANGUAGE="en", **headers)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def case(borrow, collector, today):
    loan = borrow(make_customer(phone=D1_PHONE))
    set_overdue(loan, 5, overdue=80_000)
    run_hook(today)
    assign_cases(actor=BATCH_ACTOR)
    return loan.collection_cases.get()


@pytest.fixture
def as_collector(collector):
    return bearer(make_staff_token(collector))


@pytest.fixture
def at_ten(monkeypatch):
    """The clock says 10:00 Shanghai time on the business date."""
    moment = dt.datetime.combine(get_business_date(), dt.time(10), SHANGHAI)
    monkeypatch.setattr(contacts, "now", lambda: moment)
    return moment


def test_list_and_detail_mask_the_borrower(client, case, as_collector):
    page = get(client, "/cases", as_collector, bucket="M1").json()
    assert [item["id"] for item in page["items"]] == [case.public_id]
    assert page["items"][0]["opening_overdue"] == "800.00"
    assert get(client, "/cases", as_collector, bucket="M2").json()["total"] == 0
    assert get(client, "/cases", as_collector, collector="me").json()["total"] == 1
    detail = get(client, f"/cases/{case.public_id}", as_collector).json()
    assert detail["borrower"]["phone"] != D1_PHONE and "*" in detail["borrower"]["phone"]
    assert detail["loan"]["dpd"] == 5
    assert [h["to_bucket"] for h in detail["history"]] == ["M1"]


def test_bad_filters_and_unknown_case(client, case, as_collector):
    reply = get(client, "/cases", as_collector, bucket="M9")
    assert (reply.status_code, reply.json()["code"]) == (422, "validation_failed")
    assert "bucket" in reply.json()["fields"]
    assert get(client, "/cases/ccas_nope", as_collector).status_code == 404


def test_contact_recorded_then_cap_refused_and_logged(client, case, as_collector, at_ten):
    body = {"channel": "phone", "result": "no_answer", "phone": D1_PHONE}
    for _n in range(3):
        assert (
            post(client, f"/cases/{case.public_id}/contacts", body, as_collector).status_code == 201
        )
    reply = post(client, f"/cases/{case.public_id}/contacts", body, as_collector)
    assert (reply.status_code, reply.json()["code"]) == (422, "daily_attempts_exceeded")
    assert ContactAttempt.objects.count() == 3
    assert RefusedContactAttempt.objects.get().reasons == ["daily_attempts_exceeded"]


def test_contact_outside_hours_is_refused_over_http(client, case, as_collector, monkeypatch):
    late = dt.datetime.combine(get_business_date(), dt.time(21, 0), SHANGHAI)
    monkeypatch.setattr(contacts, "now", lambda: late)
    body = {"channel": "sms", "result": "message_left", "phone": D1_PHONE}
    reply = post(client, f"/cases/{case.public_id}/contacts", body, as_collector)
    assert (reply.status_code, reply.json()["code"]) == (422, "outside_contact_hours")
    assert not ContactAttempt.objects.exists()
    assert RefusedContactAttempt.objects.count() == 1


def test_contact_by_another_collector_or_wrong_number(client, case, at_ten):
    intruder = bearer(make_staff_token(make_staff(role="collector")))
    body = {"channel": "phone", "result": "no_answer", "phone": D1_PHONE}
    reply = post(client, f"/cases/{case.public_id}/contacts", body, intruder)
    assert (reply.status_code, reply.json()["code"]) == (422, "not_assigned")
    owner = bearer(make_staff_token(case.collector))
    reply = post(
        client, f"/cases/{case.public_id}/contacts", {**body, "phone": "13700000000"}, owner
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "not_borrower_number")
    assert not ContactAttempt.objects.exists()
    assert RefusedContactAttempt.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"channel": "fax", "result": "no_answer"},
        {"channel": "phone", "result": "no_answer", "phone": D1_PHONE, "extra": 1},
        {"channel": "phone", "result": "no_answer"},  # a call without the number
    ],
)
def test_malformed_contacts_store_nothing(client, case, as_collector, at_ten, body):
    reply = post(client, f"/cases/{case.public_id}/contacts", body, as_collector)
    assert reply.status_code == 422
    assert not ContactAttempt.objects.exists() and not RefusedContactAttempt.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "100.00", "due_date": "2026-03-01"}, "due_date"),  # yesterday
        ({"amount": "10000000000.00", "due_date": "2026-03-05"}, "amount"),  # more than the debt
        ({"amount": "0.00", "due_date": "2026-03-05"}, "amount"),
        ({"amount": "-5", "due_date": "2026-03-05"}, "amount"),
        ({"amount": "1,000.00", "due_date": "2026-03-05"}, "amount"),
        ({"amount": "１０００", "due_date": "2026-03-05"}, "amount"),
        ({"amount": "1.234", "due_date": "2026-03-05"}, "amount"),
        ({"amount": "", "due_date": "2026-03-05"}, "amount"),
        ({"amount": 50_000, "due_date": "2026-03-05"}, "amount"),  # fen, the old form
        ({"amount": 500.0, "due_date": "2026-03-05"}, "amount"),
        ({"due_date": "2026-03-05"}, "amount"),
    ],
)
def test_bad_promises(client, case, as_collector, body, field):
    reply = post(client, f"/cases/{case.public_id}/promises", body, as_collector)
    assert reply.status_code == 422
    assert any(field in key for key in reply.json()["fields"])
    assert not PromiseToPay.objects.exists()


def test_promise_cause_and_restructure_proposal(client, case, as_collector):
    reply = post(
        client,
        f"/cases/{case.public_id}/promises",
        {"amount": "500.50", "due_date": "2026-03-09"},
        as_collector,
    )
    assert reply.status_code == 201 and reply.json()["status"] == "pending"
    assert reply.json()["amount"] == "500.50" and reply.json()["paid_amount"] == "0.00"
    assert PromiseToPay.objects.get().amount == 50_050
    reply = post(client, f"/cases/{case.public_id}/cause", {"cause": "illness"}, as_collector)
    assert (reply.status_code, reply.json()["cause"]) == (200, "illness")
    reply = post(
        client,
        f"/cases/{case.public_id}/restructure-proposals",
        {"term_months": 10, "method": "equal_instalment", "reason": "illness"},
        as_collector,
    )
    assert reply.status_code == 201, reply.json()
    proposal = MakerCheckerRequest.objects.get(public_id=reply.json()["request_id"])
    assert (proposal.kind, proposal.status, proposal.loan_id) == (
        "restructure",
        "pending",
        case.loan_id,
    )


def test_assign_needs_change_permission(client, case, as_collector, other_collector):
    body = {"collector": other_collector.username}
    assert post(client, f"/cases/{case.public_id}/assign", body, as_collector).status_code == 403
    analyst = bearer(make_staff_token(make_staff(role="risk_analyst")))
    reply = post(client, f"/cases/{case.public_id}/assign", body, analyst)
    assert (reply.status_code, reply.json()["collector"]) == (200, other_collector.username)
    reply = post(client, f"/cases/{case.public_id}/assign", {"collector": "nobody"}, analyst)
    assert reply.status_code == 422 and "collector" in reply.json()["fields"]


def test_strategies_list_and_update(client, as_collector):
    assert [s["bucket"] for s in get(client, "/strategies", as_collector).json()] == [
        "M1",
        "M2",
        "M3",
        "M3+",
    ]
    body = {"outsource": True}
    assert post(client, "/strategies/M3+", body, as_collector, "patch").status_code == 403
    analyst = bearer(make_staff_token(make_staff(role="risk_analyst")))
    reply = post(client, "/strategies/M3+", body, analyst, "patch")
    assert (reply.status_code, reply.json()["outsource"]) == (200, True)
    assert CollectionStrategy.objects.get(bucket="M3+").outsource is True
    reply = post(client, "/strategies/M3+", {"team": "robots"}, analyst, "patch")
    assert reply.status_code == 422
    reply = post(client, "/strategies/M3+", {"sms": True, "version": 0}, analyst, "patch")
    assert reply.status_code == 409  # stale version
    assert post(client, "/strategies/M9", body, analyst, "patch").status_code == 404


def test_stats_endpoint(client, case, as_collector):
    reply = get(client, "/stats", as_collector)
    assert reply.status_code == 200
    body = reply.json()
    assert body["recovery_by_bucket"][0]["key"] == "M1"
    assert body["recovery_by_bucket"][0]["overdue"] == "800.00"
    assert (
        get(
            client, "/stats", as_collector, date_from="2026-04-01", date_to="2026-03-01"
        ).status_code
        == 422
    )


def test_roles_without_collections_permissions_are_refused(client, case):
    marketing = bearer(make_staff_token(make_staff(role="marketing")))
    assert get(client, "/cases", marketing).status_code == 403
    assert get(client, "/stats", marketing).status_code == 403
    assert get(client, "/cases", {}).status_code == 401


@pytest.mark.parametrize(
    ("amount", "code"),
    [("1,000.00", "invalid_amount"), ("1.234", "invalid_amount"), (50_000, "validation_failed")],
)
def test_a_bad_promise_amount_is_named_with_the_other_problems(
    client, case, as_collector, amount, code
):
    reply = post(
        client,
        f"/cases/{case.public_id}/promises",
        {"amount": amount, "due_date": "2026-03-01"},  # yesterday
        as_collector,
    )
    assert reply.status_code == 422, reply.json()
    if code == "invalid_amount":  # read by the app: every problem at once
        assert set(reply.json()["fields"]) == {"amount", "due_date"}
    else:  # a JSON number where a string is expected: the schema names it
        assert reply.json()["code"] == code and "amount" in reply.json()["fields"]
    assert not PromiseToPay.objects.exists()


def test_contact_on_the_registered_mobile_over_http(client, case, as_collector, at_ten):
    body = {"channel": "phone", "result": "no_answer", "number": "registered_mobile"}
    reply = post(client, f"/cases/{case.public_id}/contacts", body, as_collector)
    assert reply.status_code == 201
    assert (reply.json()["number_used"], reply.json()["number_masked"]) == (
        "registered_mobile",
        "139****5678",
    )
    reply = post(client, f"/cases/{case.public_id}/contacts", {**body, "number": "x"}, as_collector)
    assert reply.status_code == 422 and ContactAttempt.objects.count() == 1
    # every broken rule is in the message, in words; the codes stay in fields.reasons
    intruder = bearer(make_staff_token(make_staff(role="collector")))
    late = {**body, "phone": "13700000000", "number": "given"}
    reply = post(client, f"/cases/{case.public_id}/contacts", late, intruder)
    assert reply.json()["fields"]["reasons"] == ["not_assigned", "not_borrower_number"]
    assert "assigned to this case" in reply.json()["message"]
    assert "own number on record" in reply.json()["message"]
