"""HTTP: a phone is verified by a one-time SMS code before registration or sign-in says anything
about existing records; code requests are limited per phone and per address."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from microloan.accounts.testing import bearer
from microloan.audit.models import AuditRecord
from microloan.customers.models import Customer, PhoneCode, RequestThrottle
from microloan.customers.testing import customer_data, make_customer, phone_code
from microloan.notifications.models import ProviderRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.customers.tests.urls")]

BASE = "/api/v1/customers"
CODES = f"{BASE}/registration/codes"


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")


def ask(client, phone, path=CODES, ip="10.1.1.1", **body):
    return client.post_json(path, {"phone": phone, **body}, REMOTE_ADDR=ip)


def code_for(client, phone, path=CODES):
    return phone_code(phone, send=lambda: ask(client, phone, path))


def register(client, data, code):
    return client.post_json(f"{BASE}/register", {**data, "code": code})


def other_code(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_reply_is_the_same_for_a_customer_s_phone_and_a_stranger_s(client):
    make_customer(phone="13800138000")
    known, unknown = ask(client, "13800138000"), ask(client, "13900139000")
    assert (known.status_code, known.content) == (202, b"")
    assert (unknown.status_code, unknown.content) == (202, b"")
    assert known.headers.keys() == unknown.headers.keys()


def test_the_code_goes_out_by_sms_after_commit_in_the_chosen_language(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code = phone_code("13800138000", send=lambda: ask(client, "13800138000", language="en"))
    [sms] = ProviderRecord.objects.filter(channel="sms")
    assert f"registration code is {code}" in sms.body and "5 minutes" in sms.body
    with django_capture_on_commit_callbacks(execute=True):
        code = phone_code("13900139000", send=lambda: ask(client, "13900139000"))
    assert f"注册验证码为{code}" in ProviderRecord.objects.latest("id").body


def test_the_code_is_stored_only_as_a_keyed_hash(client):
    code = code_for(client, "13800138000")
    row = PhoneCode.objects.get()
    stored = " ".join(str(v) for v in PhoneCode.objects.values().get().values())
    assert code not in stored and "13800138000" not in stored
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)


def test_registration_without_a_valid_code_says_nothing_about_existing_records(client):
    existing = customer_data(phone="13800138000")
    make_customer(**existing)
    again = {**existing, "phone": "13800138000"}
    for code in ("", "12345", "abcdef", "１２３４５６", "123456"):
        response = register(client, again, code)
        assert response.status_code == 422, code
        assert response.json()["code"] == "phone_code_invalid"
        assert set(response.json()["fields"]) == {"code"}
    assert Customer.objects.count() == 1


def test_with_the_code_an_existing_record_is_a_conflict(client):
    make_customer(phone="13800138000")
    data = customer_data(phone="13800138000")
    response = register(client, data, code_for(client, "13800138000"))
    assert (response.status_code, response.json()["code"]) == (409, "phone_in_use")


def test_a_code_works_once(client):
    data = customer_data()
    code = code_for(client, data["phone"])
    assert register(client, data, code).status_code == 201
    again = register(client, customer_data(phone=data["phone"]), code)
    assert again.json()["code"] == "phone_code_invalid"


def test_a_code_belongs_to_its_phone(client):
    code = code_for(client, "13800138000")
    response = register(client, customer_data(phone="13900139000"), code)
    assert response.json()["code"] == "phone_code_invalid"


@override_settings(PHONE_CODE_MAX_TRIES=3)
def test_after_the_allowed_wrong_answers_even_the_right_code_is_dead(client):
    data = customer_data()
    code = code_for(client, data["phone"])
    for _ in range(3):
        assert register(client, data, other_code(code)).status_code == 422
    response = register(client, data, code)
    assert (response.status_code, response.json()["code"]) == (422, "phone_code_invalid")
    assert not Customer.objects.exists() and not AuditRecord.objects.exists()


def test_an_expired_code_is_refused(client):
    data = customer_data()
    code = code_for(client, data["phone"])
    PhoneCode.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert register(client, data, code).json()["code"] == "phone_code_invalid"


@override_settings(PHONE_CODE_RESEND_SECONDS=60)
def test_a_resend_within_the_cooldown_is_429_with_retry_after(client):
    code_for(client, "13800138000")
    response = ask(client, "13800138000", ip="10.2.2.2")  # another address: same phone
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 0 < int(response["Retry-After"]) <= 60


@override_settings(PHONE_CODE_RESEND_SECONDS=0, PHONE_CODE_MAX_SENDS_PER_HOUR=2)
def test_a_phone_gets_a_bounded_number_of_codes_an_hour(client):
    code_for(client, "13800138000")
    code_for(client, "13800138000")
    response = ask(client, "13800138000", ip="10.2.2.2")
    assert response.status_code == 429 and 3000 < int(response["Retry-After"]) <= 3600


@override_settings(PHONE_CODE_ADDRESS_LIMIT=3)
def test_one_address_asks_for_a_bounded_number_of_codes(client):
    phones = ["13800138001", "13800138002", "13800138003", "13800138004"]
    replies = [ask(client, phone).status_code for phone in phones]
    assert replies == [202, 202, 202, 429]
    assert ask(client, "13800138004", ip="10.2.2.2").status_code == 202
    assert PhoneCode.objects.count() == 4
    assert RequestThrottle.objects.get(key="10.1.1.1").hits == 3


def test_a_bad_phone_is_422_naming_the_field(client):
    response = ask(client, "555")
    assert response.status_code == 422 and set(response.json()["fields"]) == {"phone"}
    assert not PhoneCode.objects.exists()


# --- sign-in ---------------------------------------------------------------------------------


def test_a_customer_signs_in_with_the_sms_code(client):
    make_customer(phone="13800138000")
    code = code_for(client, "13800138000", path=f"{BASE}/sign-in/codes")
    response = client.post_json(f"{BASE}/sign-in", {"phone": "13800138000", "code": code})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert client.get(f"{BASE}/me", **bearer(response.json()["token"])).status_code == 200


def test_a_stranger_s_phone_gets_the_same_reply_and_an_sms_without_a_code(
    client, django_capture_on_commit_callbacks
):
    make_customer(phone="13800138000")
    replies = []
    for phone in ("13800138000", "13900139000"):
        with django_capture_on_commit_callbacks(execute=True):
            replies.append(ask(client, phone, path=f"{BASE}/sign-in/codes", language="en"))
    assert [(r.status_code, r.content) for r in replies] == [(202, b""), (202, b"")]
    customer_sms, stranger_sms = ProviderRecord.objects.order_by("id")
    assert "sign-in code is" in customer_sms.body
    assert "no Microloan account" in stranger_sms.body
    assert not re.search(r"\d{6}", stranger_sms.body)
    for code in ("000000", "123456"):
        refused = client.post_json(f"{BASE}/sign-in", {"phone": "13900139000", "code": code})
        assert (refused.status_code, refused.json()["code"]) == (422, "phone_code_invalid")


def test_a_registration_code_does_not_sign_in(client):
    make_customer(phone="13800138000")
    code = code_for(client, "13800138000")
    response = client.post_json(f"{BASE}/sign-in", {"phone": "13800138000", "code": code})
    assert response.json()["code"] == "phone_code_invalid"


def test_purge_keeps_what_still_limits_or_can_be_used(client):
    make_customer(phone="13900139000")
    code_for(client, "13800138000")
    code_for(client, "13900139000", path=f"{BASE}/sign-in/codes")
    hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    PhoneCode.objects.filter(purpose="sign_in").update(
        window_started_at=hours_ago, sent_at=hours_ago, expires_at=hours_ago
    )
    out = StringIO()
    call_command("purge_phone_codes", stdout=out)
    assert "Deleted 1" in out.getvalue()
    assert list(PhoneCode.objects.values_list("purpose", flat=True)) == ["register"]
    RequestThrottle.objects.update(window_started_at=hours_ago)
    call_command("purge_phone_codes", stdout=out)
    assert not RequestThrottle.objects.exists() and PhoneCode.objects.count() == 1


# --- a borrower's new phone ------------------------------------------------------------------


def test_a_new_phone_without_its_code_is_refused_before_anything_is_said_about_it(client):
    make_customer(phone="13900139000")  # someone else's number
    data = customer_data(phone="13800138000")
    token = register(client, data, code_for(client, "13800138000")).json()["token"]
    for changes in ({"phone": "13900139000"}, {"phone": "13900139000", "phone_code": "123456"}):
        response = client.patch_json(f"{BASE}/me", changes, **bearer(token))
        assert (response.status_code, response.json()["code"]) == (422, "phone_code_invalid")
    code = phone_code(
        "13900139000",
        send=lambda: client.post_json(
            f"{BASE}/me/phone/codes", {"phone": "13900139000"}, **bearer(token)
        ),
    )
    taken = client.patch_json(
        f"{BASE}/me", {"phone": "13900139000", "phone_code": code}, **bearer(token)
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "phone_in_use")


def test_keeping_the_same_phone_needs_no_code(client):
    data = customer_data(phone="13800138000")
    token = register(client, data, code_for(client, "13800138000")).json()["token"]
    response = client.patch_json(
        f"{BASE}/me", {"phone": "138 0013 8000", "address": "上海市黄浦区1号"}, **bearer(token)
    )
    assert response.status_code == 200, response.content


def test_the_phone_change_code_needs_a_borrower_token(client):
    assert client.post_json(f"{BASE}/me/phone/codes", {"phone": "13900139000"}).status_code == 401
