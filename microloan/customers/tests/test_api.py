"""HTTP: /api/v1/customers/ for borrowers and staff. Replies never hold a clear personal value
except the one a logged reveal asks for."""

import pytest
from django.contrib.auth.models import Permission

from microloan.accounts.testing import bearer, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.customers import services
from microloan.customers.models import Consent, Customer, PersonalDataAccess
from microloan.customers.testing import customer_data, make_customer, phone_code
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.customers.tests.urls")]

BASE = "/api/v1/customers"


def _staff_headers(*perms):
    user = make_staff()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return bearer(make_staff_token(user))


def register(client, data, **headers):
    """POST /register with the code the SMS to ``data["phone"]`` carried."""
    code = phone_code(
        data["phone"],
        send=lambda: client.post_json(f"{BASE}/registration/codes", {"phone": data["phone"]}),
    )
    return client.post_json(f"{BASE}/register", {**data, "code": code}, **headers)


@pytest.fixture
def registered(client):
    data = customer_data(phone="13800138000", id_number="11010519491231002X")
    response = register(client, data)
    assert response.status_code == 201, response.content
    return data, response.json()


def _assert_masked(body: dict, data: dict) -> None:
    assert body["id_number"] == "110***********002X"
    assert body["phone"] == "138****8000"
    card = data["bank_card_number"]
    assert body["bank_card_number"] == card[:6] + "*" * (len(card) - 10) + card[-4:]
    assert body["name"] == "张**"
    text = str(body)
    for secret in (data["id_number"], data["phone"], card, data["name"], data["address"]):
        assert secret not in text
    assert "birth_date" not in body and body["age"] == 76


# --- registration ----------------------------------------------------------------------------


def test_registration_returns_masked_data_and_a_working_token(client, registered):
    data, body = registered
    assert body["token"].startswith("mlb_")
    _assert_masked(body["customer"], data)
    me = client.get(f"{BASE}/me", **bearer(body["token"]))
    assert me.status_code == 200
    _assert_masked(me.json(), data)
    assert {c["purpose"] for c in me.json()["consents"]} == {
        "personal_information",
        "sensitive_financial_account",
    }


def test_registration_reports_every_problem_at_once(client):
    data = customer_data(
        name="张", id_number="110105194912310021", phone="555", monthly_income="-1", consents=[]
    )
    response = client.post_json(f"{BASE}/register", data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "customer_data_invalid"
    assert set(body["fields"]) == {"name", "id_number", "phone", "monthly_income", "consents"}
    assert not Customer.objects.exists() and not AuditRecord.objects.exists()


def test_registration_with_missing_fields_names_them_all(client):
    response = client.post_json(f"{BASE}/register", {"name": "张三"})
    assert response.status_code == 422
    assert {"id_number", "phone", "bank_card_number", "address", "consents"} <= set(
        response.json()["fields"]
    )


def test_unknown_fields_are_refused(client):
    response = client.post_json(f"{BASE}/register", customer_data(vip=True))
    assert response.status_code == 422 and "vip" in response.json()["fields"]


def test_registering_an_existing_id_number_is_409(client, registered):
    data = customer_data(id_number="11010519491231002x")
    response = register(client, data)
    assert response.status_code == 409
    assert response.json()["code"] == "customer_exists"
    assert Customer.objects.count() == 1


def test_registration_reply_is_not_cached(client):
    response = register(client, customer_data())
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"


# --- the borrower's own record ---------------------------------------------------------------


def test_a_borrower_changes_their_details(client, registered):
    _data, body = registered
    code = phone_code(
        "13900139000",
        send=lambda: client.post_json(
            f"{BASE}/me/phone/codes", {"phone": "13900139000"}, **bearer(body["token"])
        ),
    )
    response = client.patch_json(
        f"{BASE}/me",
        {"phone": "+86 139 0013 9000", "monthly_income": "15000.00", "phone_code": code},
        **bearer(body["token"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "139****9000"
    assert response.json()["monthly_income"] == "15000.00"


def test_identity_fields_are_not_part_of_the_update(client, registered):
    _data, body = registered
    response = client.patch_json(f"{BASE}/me", {"name": "李四"}, **bearer(body["token"]))
    assert response.status_code == 422 and "name" in response.json()["fields"]


def test_bad_changes_are_422_with_fields(client, registered):
    _data, body = registered
    response = client.patch_json(
        f"{BASE}/me", {"phone": "1", "education": "none"}, **bearer(body["token"])
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"phone", "education"}


def test_consent_grant_and_withdraw(client, registered):
    _data, body = registered
    headers = bearer(body["token"])
    granted = client.post_json(
        f"{BASE}/me/consents",
        {"purpose": "credit_report_query", "text_version": "2026.2"},
        HTTP_IDEMPOTENCY_KEY="c-1",
        **headers,
    )
    assert granted.status_code == 201 and granted.json()["withdrawn_at"] is None
    customer = Customer.objects.get(public_id=body["customer"]["id"])
    assert services.require_consent(customer, "credit_report_query")
    withdrawn = client.post(f"{BASE}/me/consents/credit_report_query/withdraw", **headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["end_reason"] == "withdrawn"
    with pytest.raises(BusinessRuleViolation):
        services.require_consent(customer, "credit_report_query")


def test_consent_needs_an_idempotency_key_and_a_known_purpose(client, registered):
    _data, body = registered
    headers = bearer(body["token"])
    payload = {"purpose": "credit_report_query", "text_version": "1"}
    assert client.post_json(f"{BASE}/me/consents", payload, **headers).status_code == 400
    bad = client.post_json(
        f"{BASE}/me/consents",
        {"purpose": "marketing", "text_version": "1"},
        HTTP_IDEMPOTENCY_KEY="c-2",
        **headers,
    )
    assert bad.status_code == 422 and "purpose" in bad.json()["fields"]
    assert not Consent.objects.filter(purpose="marketing").exists()


def test_borrower_routes_need_a_borrower_token(client):
    assert client.get(f"{BASE}/me").status_code == 401
    staff = _staff_headers(services.VIEW_CUSTOMER)
    assert client.get(f"{BASE}/me", **staff).status_code == 401


# --- staff -----------------------------------------------------------------------------------


def test_staff_search_by_exact_phone_returns_masked_rows(client):
    wanted = make_customer(phone="13800138000", id_number="11010519491231002X")
    make_customer()
    headers = _staff_headers(services.VIEW_CUSTOMER)
    response = client.get(f"{BASE}/", {"phone": "+86 138 0013 8000"}, **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["id"] == wanted.public_id
    assert body["items"][0]["phone"] == "138****8000"
    everyone = client.get(f"{BASE}/", {"page_size": 1}, **headers).json()
    assert everyone["count"] == 2 and len(everyone["items"]) == 1


def test_staff_detail_is_masked(client):
    data = customer_data(phone="13800138000", id_number="11010519491231002X")
    customer = services.register_customer(actor=Actor.system("t"), data=data)
    response = client.get(f"{BASE}/{customer.public_id}", **_staff_headers(services.VIEW_CUSTOMER))
    assert response.status_code == 200
    _assert_masked(response.json(), data)
    assert client.get(f"{BASE}/cus_nope", **_staff_headers(services.VIEW_CUSTOMER)).json()[
        "code"
    ] == ("customer_not_found")


def test_staff_routes_need_their_permissions(client):
    customer = make_customer()
    nobody = _staff_headers()
    assert client.get(f"{BASE}/", **nobody).status_code == 403
    assert client.get(f"{BASE}/{customer.public_id}", **nobody).status_code == 403
    assert client.get(f"{BASE}/access-log", **nobody).status_code == 403
    assert client.get(f"{BASE}/").status_code == 401


def test_reveal_needs_the_permission_and_a_reason_and_is_logged(client):
    customer = make_customer(phone="13800138000")
    url = f"{BASE}/{customer.public_id}/reveal"
    viewer = _staff_headers(services.VIEW_CUSTOMER)
    refused = client.post_json(url, {"field": "phone", "reason": "x"}, **viewer)
    assert refused.status_code == 403
    reviewer = _staff_headers(services.VIEW_CUSTOMER, services.REVEAL_PERSONAL_DATA)
    no_reason = client.post_json(url, {"field": "phone", "reason": " "}, **reviewer)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    assert not PersonalDataAccess.objects.exists()
    revealed = client.post_json(url, {"field": "phone", "reason": "call back"}, **reviewer)
    assert revealed.status_code == 200
    assert revealed.json() == {"field": "phone", "value": "13800138000"}
    assert revealed["Cache-Control"] == "no-store"
    [access] = PersonalDataAccess.objects.all()
    assert access.reason == "call back"
    record = AuditRecord.objects.get(action="customer.field_revealed")
    assert record.after == {"field": "phone", "reason": "call back"}


def test_the_access_log_is_for_auditors(client):
    customer = make_customer()
    services.reveal_field(
        actor=Actor.system("t"),
        customer_id=customer.public_id,
        field="address",
        reason="mail returned",
    )
    auditor = _staff_headers(services.VIEW_ACCESS_LOG)
    response = client.get(f"{BASE}/access-log", {"customer_id": customer.public_id}, **auditor)
    assert response.status_code == 200
    [row] = response.json()
    assert (row["customer_id"], row["field"], row["reason"]) == (
        customer.public_id,
        "address",
        "mail returned",
    )
    assert customer.address not in str(response.json())


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "请输入中国大陆手机号。"), ("en", "Enter a mainland China mobile number.")],
)
def test_messages_follow_the_request_language(client, language, message):
    response = client.post_json(
        f"{BASE}/register", customer_data(phone="1"), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422
    assert response.json()["fields"]["phone"] == message
