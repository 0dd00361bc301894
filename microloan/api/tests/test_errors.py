"""Every error the API can give has the shape {"code", "message", "fields"} and stores nothing."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from microloan.accounts.roles import ROLES
from microloan.api.models import IdempotencyKey

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.api.tests.testapi")]

URL = "/t/plain-groups"
IDEMPOTENT_URL = "/t/groups"


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def assert_nothing_stored():
    assert not Group.objects.exclude(name__in=ROLES).exists()
    assert not IdempotencyKey.objects.exists()


# (body, field, wording) — wording checked in English so the test does not depend on .mo files
BAD_BODIES = [
    pytest.param({"name": 5}, "name", "Must be a string.", id="wrong-type"),
    pytest.param({"amount": "1.00"}, "name", "This field is required.", id="missing-field"),
    pytest.param({"name": "a", "colour": "red"}, "colour", "Unknown field.", id="unknown-field"),
    pytest.param({"name": "x" * 21}, "name", "At most 20 characters.", id="over-long-string"),
    pytest.param({"name": ""}, "name", "Must not be empty.", id="empty-string"),
    pytest.param(
        {"name": "a", "items": [{"term": 12}, {"term": 99}]},
        "items.1.term",
        "Must be at most 36.",
        id="nested-path",
    ),
    pytest.param(
        {"name": "a", "items": [{"term": 1, "x": 1}]}, "items.0.x", "Unknown field.", id="nested"
    ),
    pytest.param(
        {"name": "a", "items": [{"term": 1}] * 4}, "items", "At most 3 items.", id="long-list"
    ),
]


@pytest.mark.parametrize("url", [URL, IDEMPOTENT_URL])
@pytest.mark.parametrize(("body", "field", "wording"), BAD_BODIES)
def test_invalid_body_is_422_with_the_field_path(client, staff_headers, url, body, field, wording):
    response = client.post_json(
        url, body, HTTP_IDEMPOTENCY_KEY="k-1", HTTP_ACCEPT_LANGUAGE="en", **staff_headers
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert fields[field] == wording
    assert_nothing_stored()


def test_every_bad_field_is_reported_at_once(client, staff_headers):
    response = client.post_json(URL, {"name": 1, "amount": "x" * 30, "zz": 0}, **staff_headers)
    assert set(assert_error(response, 422, "validation_failed")["fields"]) == {
        "name",
        "amount",
        "zz",
    }


def test_a_body_that_is_not_an_object_is_a_body_error(client, staff_headers):
    response = client.post_json(URL, [1, 2], **staff_headers)
    assert "body" in assert_error(response, 422, "validation_failed")["fields"]


def test_an_empty_body_is_a_missing_body(client, staff_headers):
    response = client.post(URL, data="", content_type="application/json", **staff_headers)
    assert "body" in assert_error(response, 422, "validation_failed")["fields"]


@pytest.mark.parametrize("url", [URL, IDEMPOTENT_URL])
@pytest.mark.parametrize("raw", ['{"name": "a",}', "{name: 1}", "\xff\xfe", '{"name": "a"'])
def test_malformed_json_is_400(client, staff_headers, url, raw):
    response = client.post(
        url,
        data=raw.encode("latin-1"),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **staff_headers,
    )
    assert_error(response, 400, "malformed_json")
    assert_nothing_stored()


@pytest.mark.parametrize("url", [URL, IDEMPOTENT_URL])
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"],
)
def test_a_body_that_is_not_declared_json_is_415(client, staff_headers, url, content_type):
    response = client.post(
        url,
        data='{"name": "a"}',
        content_type=content_type,
        HTTP_IDEMPOTENCY_KEY="k-1",
        **staff_headers,
    )
    assert_error(response, 415, "unsupported_media_type")
    assert_nothing_stored()


def test_json_with_a_charset_or_a_json_suffix_is_accepted(client, staff_headers):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post(
            URL, data='{"name": "ok"}', content_type=content_type, **staff_headers
        )
        assert response.status_code == 201, content_type
        Group.objects.filter(name="ok").delete()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_an_oversized_body_is_413(client, staff_headers):
    response = client.post_json(URL, {"name": "a", "amount": "1" * 200}, **staff_headers)
    assert_error(response, 413, "payload_too_large")
    assert_nothing_stored()


def test_unknown_path_is_404_in_our_shape(client):
    assert_error(client.get("/t/no-such-thing"), 404, "not_found")
    assert_error(client.post_json("/t/no-such-thing", {}), 404, "not_found")


def test_http404_raised_in_a_view_is_404_in_our_shape(client):
    assert_error(client.get("/t/missing"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client, staff_headers):
    response = client.delete(URL, **staff_headers)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_missing_token_is_401(client):
    assert_error(client.post_json(URL, {"name": "a"}), 401, "not_authenticated")
    assert_nothing_stored()


def test_domain_errors_keep_their_status_and_code(client, staff_headers):
    body = assert_error(
        client.post_json(URL, {"name": "conflict"}, **staff_headers), 409, "group_conflict"
    )
    assert body["message"] == "already there"
    body = assert_error(
        client.post_json(URL, {"name": "invalid"}, **staff_headers), 422, "validation_failed"
    )
    assert body["fields"] == {"name": "not allowed"}


@pytest.mark.parametrize("debug", [True, False])
def test_an_unexpected_exception_is_a_logged_json_500(client, caplog, debug):
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, "microloan.api"):
        response = client.get("/t/explode")
    assert_error(response, 500, "internal_error")
    assert "a bug" not in response.content.decode()
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in caplog.records)


def test_messages_follow_the_request_language(client, staff_headers):
    en = client.post_json(URL, {}, HTTP_ACCEPT_LANGUAGE="en", **staff_headers).json()
    zh = client.post_json(URL, {}, HTTP_ACCEPT_LANGUAGE="zh-hans", **staff_headers).json()
    assert en["message"] == "Some fields are invalid."
    assert zh["message"] == "部分字段无效。"
    assert en["fields"]["name"] == "This field is required."
    assert zh["fields"]["name"] == "此字段为必填项。"


def test_a_failure_outside_any_view_is_still_a_json_500(client, staff_headers, monkeypatch):
    from microloan.api import idempotency

    def broken_store(**kwargs):
        raise RuntimeError("idempotency store down")

    monkeypatch.setattr(idempotency, "_claim", broken_store)
    response = client.post_json(
        IDEMPOTENT_URL, {"name": "a"}, HTTP_IDEMPOTENCY_KEY="k-1", **staff_headers
    )
    assert_error(response, 500, "internal_error")
