"""HTTP: /api/v1/risk/postloan/ — checks, the approval queue, on-demand checks; bad input and
permissions store nothing."""

import datetime as dt
import json

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_staff_token
from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.risk.models import EarlyWarningAction, EarlyWarningPolicy, PostLoanCheck
from microloan.risk.postloan.api import router
from microloan.risk.postloan.rules import DEFAULT_THRESHOLDS
from microloan.risk.tests.postloan_book import draw, open_line, run_hook, staff_with, start_book

api = MicroloanAPI(urls_namespace="risk-postloan-api-test")
api.add_router("/risk/postloan/", router)
urlpatterns = [*api_urlpatterns(api, "api/v1/")]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BASE = "/api/v1/risk/postloan"
ANALYST_PERMS = (
    "risk.view_postloancheck",
    "risk.add_postloancheck",
    "risk.view_earlywarningaction",
    "risk.approve_earlywarningaction",
)
FIRST_OF_APRIL = dt.date(2026, 4, 1)


def headers(*perms):
    return bearer(make_staff_token(staff_with(*perms)))


@pytest.fixture
def client():
    return Client()


def post(client, path, body, hdrs, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"{BASE}{path}", data=json.dumps(body), content_type="application/json", **hdrs, **extra
    )


@pytest.fixture
def book(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    version = start_book(FIRST_OF_APRIL)
    EarlyWarningPolicy.objects.create(
        version=1,
        thresholds={**DEFAULT_THRESHOLDS, "reduce_below_score": 1000, "freeze_below_score": 0,
                    "mild_cut_percent": 40, "severe_cut_percent": 40},
    )  # fmt: skip
    lines = [open_line(version, "cust_a"), open_line(version, "cust_b")]
    for line in lines:
        draw(line)
    run_hook()  # the month's first business day: two checks, two pending 40 % cuts
    return lines


@pytest.fixture
def analyst():
    return headers(*ANALYST_PERMS)


def test_list_filter_and_read_checks(client, analyst, book):
    listed = client.get(f"{BASE}/checks", **analyst)
    assert listed.status_code == 200 and listed.json()["count"] == 2
    one = client.get(f"{BASE}/checks?line_id={book[0].public_id}", **analyst).json()
    assert one["count"] == 1
    item = one["items"][0]
    assert item["line_id"] == book[0].public_id and item["decision"] == "reduce"
    assert item["limit_before"] == "50000.00" and "limit_before_yuan" not in item
    assert item["proposed_limit"] == "30000.00" and item["trigger"] == "monthly"
    assert set(item["score_points"]) == {
        "max_dpd_6m", "late_instalments_6m", "utilisation", "months_on_book"
    }  # fmt: skip
    for query, count in (
        ("customer_id=cust_b", 1),
        ("business_date=2026-04-01", 2),
        ("business_date=2026-04-02", 0),
        ("decision=freeze", 0),
        ("decision=reduce", 2),
    ):
        assert client.get(f"{BASE}/checks?{query}", **analyst).json()["count"] == count, query
    detail = client.get(f"{BASE}/checks/{item['id']}", **analyst)
    assert detail.status_code == 200 and detail.json()["id"] == item["id"]


def test_approval_queue_and_maker_checker_over_http(client, analyst, book):
    queue = client.get(f"{BASE}/actions?status=pending", **analyst).json()
    assert queue["count"] == 2
    first = queue["items"][0]
    assert first["maker"] is None and first["new_limit"] == "30000.00"
    approved = post(client, f"/actions/{first['id']}/approve", {"note": "agreed"}, analyst)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "applied" and approved.json()["checker"]
    again = post(client, f"/actions/{first['id']}/approve", {}, analyst)
    assert again.status_code == 409 and again.json()["code"] == "action_not_pending"
    second = queue["items"][1]
    rejected = post(client, f"/actions/{second['id']}/reject", {"note": "no"}, analyst)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert client.get(f"{BASE}/actions?status=pending", **analyst).json()["count"] == 0


def test_on_demand_check_and_the_maker_cannot_approve(client, book):
    maker = headers(*ANALYST_PERMS)
    # Clear the queue first so the on-demand check may create a new pending cut.
    EarlyWarningAction.objects.update(status="rejected")
    created = post(client, f"/lines/{book[0].public_id}/check", {}, maker, key="on-demand-1")
    assert created.status_code == 201, created.content
    assert created.json()["trigger"] == "on_demand"
    replay = post(client, f"/lines/{book[0].public_id}/check", {}, maker, key="on-demand-1")
    assert replay.status_code == 201 and replay.json()["id"] == created.json()["id"]
    assert PostLoanCheck.objects.filter(trigger="on_demand").count() == 1
    action = EarlyWarningAction.objects.get(status="pending")
    refused = post(client, f"/actions/{action.public_id}/approve", {}, maker)
    assert refused.status_code == 422 and refused.json()["code"] == "maker_cannot_approve"
    refused = post(client, f"/actions/{action.public_id}/reject", {}, maker)
    assert refused.status_code == 422
    assert EarlyWarningAction.objects.get(pk=action.pk).status == "pending"


def test_bad_input_is_refused_and_stores_nothing(client, analyst, book):
    checks, actions = PostLoanCheck.objects.count(), EarlyWarningAction.objects.count()
    pending = EarlyWarningAction.objects.filter(status="pending").first()
    for path in ("/checks?business_date=yesterday", "/checks?decision=explode",
                 "/actions?status=maybe", "/checks?line_id=" + "x" * 200):  # fmt: skip
        response = client.get(f"{BASE}{path}", **analyst)
        assert response.status_code == 422, path
    assert client.get(f"{BASE}/checks/plc_unknown", **analyst).status_code == 404
    for body in ({"note": "x" * 501}, {"note": 5}, {"unexpected": 1}, []):
        response = post(client, f"/actions/{pending.public_id}/approve", body, analyst)
        assert response.status_code == 422, body
    bad_json = client.post(
        f"{BASE}/actions/{pending.public_id}/approve", data="{", content_type="application/json",
        **analyst,
    )  # fmt: skip
    assert bad_json.status_code in (400, 422)
    assert post(client, "/actions/ewa_unknown/approve", {}, analyst).status_code == 404
    unknown_line = post(client, "/lines/line_unknown/check", {}, analyst, key="k-unknown")
    assert unknown_line.status_code == 404 and unknown_line.json()["code"] == "line_not_found"
    no_key = post(client, f"/lines/{book[0].public_id}/check", {}, analyst)
    assert no_key.status_code in (400, 422, 428)
    assert PostLoanCheck.objects.count() == checks
    assert EarlyWarningAction.objects.count() == actions
    assert EarlyWarningAction.objects.get(pk=pending.pk).status == "pending"


def test_permissions(client, book):
    pending = EarlyWarningAction.objects.filter(status="pending").first()
    viewer = headers("risk.view_postloancheck")
    assert client.get(f"{BASE}/checks").status_code == 401
    assert client.get(f"{BASE}/checks", **viewer).status_code == 200
    assert client.get(f"{BASE}/actions", **viewer).status_code == 403
    assert post(client, f"/actions/{pending.public_id}/approve", {}, viewer).status_code == 403
    assert post(client, f"/actions/{pending.public_id}/reject", {}, viewer).status_code == 403
    refused = post(client, f"/lines/{book[0].public_id}/check", {}, viewer, key="k-perm")
    assert refused.status_code == 403
    nothing = headers()
    assert client.get(f"{BASE}/checks", **nothing).status_code == 403
    assert EarlyWarningAction.objects.get(pk=pending.pk).status == "pending"
    assert PostLoanCheck.objects.filter(trigger="on_demand").count() == 0


def test_no_route_answers_5xx_to_an_empty_body_or_unknown_ids(client, db):
    everything = headers(*ANALYST_PERMS)
    for method, path in (
        ("get", "/checks"), ("get", "/checks/x"), ("get", "/actions"),
        ("post", "/actions/x/approve"), ("post", "/actions/x/reject"), ("post", "/lines/x/check"),
    ):  # fmt: skip
        if method == "get":
            response = client.get(f"{BASE}{path}", **everything)
        else:
            response = client.post(
                f"{BASE}{path}", data="", content_type="application/json", **everything,
                HTTP_IDEMPOTENCY_KEY=f"k-{path.replace('/', '-')}",
            )  # fmt: skip
        assert response.status_code < 500, (method, path, response.content)


POLICY_MAKER = ("risk.view_earlywarningpolicy", "risk.add_earlywarningpolicy")
POLICY_CHECKER = ("risk.view_earlywarningpolicy", "risk.approve_earlywarningpolicy")


def test_a_policy_change_is_drafted_by_one_person_and_approved_by_another(client):
    maker, checker = headers(*POLICY_MAKER), headers(*POLICY_CHECKER)
    listed = client.get(f"{BASE}/policies", **maker)
    assert listed.status_code == 200 and [p["version"] for p in listed.json()] == [1]

    drafted = post(client, "/policies", {"changes": {"mild_cut_percent": 25}}, maker, key="d1")
    assert drafted.status_code == 201, drafted.content
    draft = drafted.json()
    assert (draft["version"], draft["status"], draft["thresholds"]["mild_cut_percent"]) == (
        2,
        "draft",
        25,
    )
    again = post(client, "/policies", {"changes": {"mild_cut_percent": 25}}, maker, key="d1")
    assert again.json()["id"] == draft["id"] and EarlyWarningPolicy.objects.count() == 2

    approved = post(client, f"/policies/{draft['id']}/approve", {}, checker, key="a1")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active" and approved.json()["checker"]
    statuses = {p["version"]: p["status"] for p in client.get(f"{BASE}/policies", **maker).json()}
    assert statuses == {1: "retired", 2: "active"}

    twice = post(client, f"/policies/{draft['id']}/approve", {}, checker, key="a2")
    assert (twice.status_code, twice.json()["code"]) == (409, "policy_not_draft")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"changes": {"mild_cut_percent": 0, "x": 1}}, 422, "invalid_thresholds", "changes.x"),
        ({"changes": {}}, 422, "validation_failed", "changes"),
        ({"note": "no changes"}, 422, "validation_failed", "changes"),
        ({"changes": {"min_limit": 100}, "extra": 1}, 422, "validation_failed", "extra"),
    ],
)
def test_bad_policy_drafts_are_refused_and_store_nothing(client, body, status, code, field):
    response = post(client, "/policies", body, headers(*POLICY_MAKER), key="bad")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert any(name.endswith(field) for name in response.json()["fields"]), response.json()
    assert EarlyWarningPolicy.objects.filter(status="draft").count() == 0


def test_policy_routes_refuse_the_wrong_people(client):
    maker_and_checker = headers(*POLICY_MAKER, "risk.approve_earlywarningpolicy")
    own = post(client, "/policies", {"changes": {"min_limit": 100}}, maker_and_checker, key="o")
    refused = post(client, f"/policies/{own.json()['id']}/approve", {}, maker_and_checker, key="p")
    assert (refused.status_code, refused.json()["code"]) == (422, "maker_cannot_approve")
    assert refused.json()["fields"] == {"policy_id": own.json()["id"]}
    viewer = headers("risk.view_earlywarningpolicy")
    assert (
        post(client, "/policies", {"changes": {"min_limit": 100}}, viewer, key="v").status_code
        == 403
    )
    assert (
        post(client, f"/policies/{own.json()['id']}/approve", {}, viewer, key="w").status_code
        == 403
    )
    assert client.get(f"{BASE}/policies").status_code == 401
    missing = post(client, "/policies/ewp_nope/approve", {}, headers(*POLICY_CHECKER), key="n")
    assert (missing.status_code, missing.json()["code"]) == (404, "policy_not_found")
    assert EarlyWarningPolicy.objects.get(public_id=own.json()["id"]).status == "draft"


def test_threshold_problems_read_in_the_callers_language(client):
    body = {"changes": {"min_limit": 1, "x": 1}}
    zh = post(client, "/policies", body, headers(*POLICY_MAKER), key="zh")
    en = client.post(
        f"{BASE}/policies",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_IDEMPOTENCY_KEY="en",
        **headers(*POLICY_MAKER),
    )
    assert zh.json()["fields"]["changes.x"] == "未知的阈值。"
    assert en.json()["fields"]["changes.x"] == "Unknown threshold."
    assert en.json()["fields"]["changes.min_limit"].startswith("A whole number from 100 to")


def test_a_policy_draft_is_rejected_with_a_reason_and_never_takes_over(client):
    maker, checker = headers(*POLICY_MAKER), headers(*POLICY_CHECKER)
    draft = post(client, "/policies", {"changes": {"min_limit": 100}}, maker, key="r1").json()
    rejected = post(client, f"/policies/{draft['id']}/reject", {"reason": "keep it"}, checker)
    assert rejected.status_code == 200, rejected.content
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "keep it")
    twice = post(client, f"/policies/{draft['id']}/reject", {"reason": "again"}, checker)
    assert (twice.status_code, twice.json()["code"]) == (409, "policy_not_draft")
    assert EarlyWarningPolicy.objects.get(status="active").version == 1
