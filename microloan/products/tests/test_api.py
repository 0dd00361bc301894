"""HTTP: /api/v1/products/ with staff tokens of the product manager and risk analyst roles."""

import json

import pytest

from microloan.accounts.roles import CS_AGENT, PRODUCT_MANAGER, RISK_ANALYST
from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.products.models import Product, ProductVersion

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.products.tests.api_urls")]

BASE = "/api/v1/products/"
NEW_PRODUCT = {"code": "WLD", "name_zh": "微粒贷", "name_en": "Weilidai"}


def _headers(role):
    return bearer(make_staff_token(make_staff(role=role)))


@pytest.fixture
def pm():
    return _headers(PRODUCT_MANAGER)


@pytest.fixture
def risk():
    return _headers(RISK_ANALYST)


@pytest.fixture
def cs():
    return _headers(CS_AGENT)


def send(client, method, url, headers, body=None, key=None):
    extra = dict(headers)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type="application/json", **extra)


def create(client, pm, body=NEW_PRODUCT, key="create-1"):
    return send(client, "post", BASE, pm, body, key=key)


def test_create_product_returns_the_draft_with_apr_and_wire_values(client, pm):
    response = create(client, pm)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "WLD"
    assert body["id"].startswith("prod_")
    assert body["active_version"] is None
    [draft] = body["versions"]
    assert (draft["version"], draft["status"]) == (1, "draft")
    version = client.get(f"{BASE}versions/{draft['id']}", **pm).json()
    assert version["apr_max"] == "0.1825"
    assert version["apr_min"] < version["apr_max"]
    assert version["terms"]["min_drawdown"] == "500.00"
    assert version["terms"]["daily_rate_max"] == "0.0005"
    assert version["terms"]["grade_rates"]["A"] == "0.0002"
    assert "pk" not in version and "product_id" not in version


def test_create_is_idempotent(client, pm):
    first = create(client, pm)
    again = create(client, pm)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Product.objects.count() == 1


def test_create_needs_an_idempotency_key(client, pm):
    response = send(client, "post", BASE, pm, NEW_PRODUCT)
    assert response.status_code in (400, 422, 428)
    assert response.json()["code"] == "idempotency_key_required"
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**NEW_PRODUCT, "colour": "red"}, 422, "validation_failed", "colour"),
        ({**NEW_PRODUCT, "code": "x" * 17}, 422, "validation_failed", "code"),
        ({**NEW_PRODUCT, "code": "wld"}, 422, "invalid_product_code", "code"),
        (
            {**NEW_PRODUCT, "params": {"min_drawdown": 500}},
            422,
            "validation_failed",
            "params.min_drawdown",
        ),
        (
            {**NEW_PRODUCT, "params": {"max_line_limit": "300000.00"}},
            422,
            "line_limit_above_cap",
            "max_line_limit",
        ),
        (
            {**NEW_PRODUCT, "params": {"daily_rate_max": "0.0007", "grade_rates": {}}},
            422,
            "apr_above_cap",
            "daily_rate_max",
        ),
        (
            {**NEW_PRODUCT, "params": {"allowed_terms": [20, 24], "line_validity_months": 13}},
            422,
            "product_terms_invalid",
            "line_validity_months",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(client, pm, body, status, code, field):
    response = create(client, pm, body)
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] == code
    assert field in error["fields"]
    assert not Product.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="product.").exists()


def test_every_problem_comes_back_at_once(client, pm):
    params = {"allowed_terms": [20, 24], "line_validity_months": 13, "grace_days": 99}
    error = create(client, pm, {**NEW_PRODUCT, "params": params}).json()
    assert set(error["fields"]) == {"allowed_methods", "line_validity_months", "grace_days"}


def test_auth_and_permissions(client, pm, cs):
    assert client.get(BASE).status_code == 401
    assert client.get(BASE, **cs).status_code == 200  # customer service may read products
    refused = create(client, cs)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Product.objects.exists()


def test_maker_checker_over_http(client, pm, risk):
    draft_id = create(client, pm).json()["versions"][0]["id"]
    url = f"{BASE}versions/{draft_id}"

    patched = send(client, "patch", url, pm, {"grace_days": 2, "allowed_terms": [3, 6, 12]})
    assert patched.status_code == 200, patched.content
    assert patched.json()["terms"]["grace_days"] == 2

    early = send(client, "post", f"{url}/approve", risk, {"reason": "fine"})
    assert (early.status_code, early.json()["code"]) == (409, "version_not_pending")

    submitted = send(client, "post", f"{url}/submit", pm)
    assert (submitted.status_code, submitted.json()["status"]) == (200, "pending_approval")
    again = send(client, "patch", url, pm, {"grace_days": 3})
    assert (again.status_code, again.json()["code"]) == (409, "version_not_draft")

    approved = send(client, "post", f"{url}/approve", risk, {"reason": "fine"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"
    assert approved.json()["checker"] != approved.json()["maker"]

    listed = client.get(BASE, **risk).json()
    assert [p["active_version"]["id"] for p in listed] == [draft_id]

    v2 = send(client, "post", f"{BASE}WLD/versions", pm, {"grace_days": 0}, key="v2")
    assert v2.status_code == 201, v2.content
    assert (v2.json()["version"], v2.json()["terms"]["allowed_terms"]) == (2, [3, 6, 12])
    detail = client.get(f"{BASE}WLD", **pm).json()
    assert [v["status"] for v in detail["versions"]] == ["draft", "active"]


def test_a_checker_who_made_the_version_is_refused(client, django_user_model):
    both = make_staff(role=PRODUCT_MANAGER)
    both.groups.add(*make_staff(role=RISK_ANALYST).groups.all())
    headers = bearer(make_staff_token(both))
    draft_id = create(client, headers).json()["versions"][0]["id"]
    send(client, "post", f"{BASE}versions/{draft_id}/submit", headers)
    refused = send(client, "post", f"{BASE}versions/{draft_id}/approve", headers, {})
    assert refused.status_code == 422
    assert refused.json()["code"] == "maker_cannot_approve"
    assert ProductVersion.objects.get(public_id=draft_id).status == "pending_approval"


def test_reject_over_http(client, pm, risk):
    draft_id = create(client, pm).json()["versions"][0]["id"]
    send(client, "post", f"{BASE}versions/{draft_id}/submit", pm)
    missing = send(client, "post", f"{BASE}versions/{draft_id}/reject", risk, {"reason": ""})
    assert (missing.status_code, missing.json()["code"]) == (422, "reason_required")
    assert "reason" in missing.json()["fields"]
    rejected = send(client, "post", f"{BASE}versions/{draft_id}/reject", risk, {"reason": "no"})
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert rejected.json()["reason"] == "no"


def test_unknown_ids_are_404(client, pm, risk):
    assert client.get(f"{BASE}NOPE", **pm).json()["code"] == "product_not_found"
    response = client.get(f"{BASE}versions/pv_nope", **pm)
    assert (response.status_code, response.json()["code"]) == (404, "version_not_found")
    response = send(client, "post", f"{BASE}versions/pv_nope/approve", risk, {})
    assert response.status_code == 404
