"""The notifications API over HTTP: inbox, message log, retry, templates; bad input and
permissions answer 4xx with a code and field, and change nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission

from microloan.accounts.roles import ADMIN, AUDITOR, CS_AGENT, OPERATIONS, PRODUCT_MANAGER
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.notifications import delivery
from microloan.notifications.models import Message, MessageTemplate
from microloan.notifications.providers import get_provider
from microloan.notifications.services import enqueue_message

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.notifications.tests.urls")]

BASE = "/api/v1/notifications"
REPAID = {"amount": 50_000, "business_date": "2026-04-01"}


def _headers(role):
    return bearer(make_staff_token(make_staff(role=role)))


def _borrower(customer_id):
    return bearer(make_borrower_token(customer_id))


def get(client, path, headers, **params):
    return client.get(BASE + path, params, HTTP_ACCEPT_LANGUAGE="en", **headers)


def send(client, method, path, body, headers):
    return client.generic(
        method,
        BASE + path,
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def assert_refused(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in body["fields"], body
    return body


def _inbox_message(customer_id, key):
    (message,) = enqueue_message(
        customer_id=customer_id,
        template="repayment_received",
        variables=REPAID,
        channels=["inbox"],
        dedupe_key=key,
    )
    return message


# --- borrower inbox ------------------------------------------------------------------------------


def test_inbox_lists_delivered_messages_and_marks_them_read(client, zh_customer):
    me = zh_customer.public_id
    first, second = _inbox_message(me, "a"), _inbox_message(me, "b")
    _inbox_message("cus_someone_else", "c")
    headers = _borrower(me)
    assert get(client, "/me/inbox", headers).json()["total"] == 0  # not delivered yet
    delivery.deliver_due_messages(10)
    page = get(client, "/me/inbox", headers).json()
    assert page["total"] == 2 and {i["id"] for i in page["items"]} == {
        first.public_id,
        second.public_id,
    }
    assert "¥500.00" in page["items"][0]["body"]
    response = send(client, "POST", f"/me/inbox/{first.public_id}/read", {}, headers)
    assert response.status_code == 200 and response.json()["read_at"]
    again = send(client, "POST", f"/me/inbox/{first.public_id}/read", {}, headers)
    assert again.json()["read_at"] == response.json()["read_at"]
    unread = get(client, "/me/inbox", headers, unread_only="true").json()
    assert [i["id"] for i in unread["items"]] == [second.public_id]


def test_inbox_of_someone_else_is_not_found(client, zh_customer):
    theirs = _inbox_message("cus_someone_else", "x")
    delivery.deliver_due_messages(10)
    response = send(
        client, "POST", f"/me/inbox/{theirs.public_id}/read", {}, _borrower(zh_customer.public_id)
    )
    assert_refused(response, 404, "not_found", "message_id")
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": 0}, "page"), ({"page_size": 500}, "page_size"), ({"page": "x"}, None)],
)
def test_inbox_bad_paging(client, params, field):
    response = get(client, "/me/inbox", _borrower("cus_a"), **params)
    assert response.status_code == 422
    if field:
        assert field in response.json()["fields"]


def test_inbox_needs_a_borrower_token(client):
    assert get(client, "/me/inbox", {}).status_code == 401
    assert get(client, "/me/inbox", _headers(ADMIN)).status_code == 401


# --- staff: messages -----------------------------------------------------------------------------


def test_message_log_filters_and_masks(client, zh_customer):
    me = zh_customer.public_id
    enqueue_message(
        customer_id=me, template="repayment_received", variables=REPAID, dedupe_key="r1"
    )
    enqueue_message(
        customer_id="cus_other",
        template="contract_signed",
        variables={"kind": "loan", "contract_id": "13812345678"},
        dedupe_key="c1",
    )
    headers = _headers(CS_AGENT)
    everything = get(client, "/messages", headers).json()
    assert everything["total"] == 3
    mine = get(client, "/messages", headers, customer_id=me, channel="sms").json()
    assert [(i["customer_id"], i["channel"]) for i in mine["items"]] == [(me, "sms")]
    assert get(client, "/messages", headers, template="contract_signed").json()["total"] == 1
    assert get(client, "/messages", headers, status="sent").json()["total"] == 0
    (signed,) = get(client, "/messages", headers, template="contract_signed").json()["items"]
    assert "138****5678" in signed["body"] and "13812345678" not in signed["body"]
    detail = get(client, f"/messages/{signed['id']}", headers).json()
    assert detail["body"] == signed["body"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
        ({"date_from": "yesterday"}, None),
        ({"page": 0}, "page"),
    ],
)
def test_message_log_bad_filters(client, params, field):
    response = get(client, "/messages", _headers(AUDITOR), **params)
    assert response.status_code == 422, response.content
    if field:
        assert field in response.json()["fields"]


def test_message_log_permissions(client):
    assert get(client, "/messages", _headers(PRODUCT_MANAGER)).status_code == 403
    assert get(client, "/messages", _borrower("cus_a")).status_code == 401
    assert_refused(get(client, "/messages/msg_nope", _headers(AUDITOR)), 404, "not_found")


def test_retry_a_failed_message(client, zh_customer):
    (message,) = enqueue_message(
        customer_id=zh_customer.public_id,
        template="repayment_received",
        variables=REPAID,
        channels=["sms"],
        dedupe_key="r",
    )
    get_provider("sms").fail_next(reason="bad number", permanent=True)
    delivery.deliver_due_messages(10)
    message.refresh_from_db()
    assert message.status == "failed"
    path = f"/messages/{message.public_id}/retry"
    # only holders of change_message may retry (operations): not the auditor, not customer service
    for role in (AUDITOR, CS_AGENT):
        assert send(client, "POST", path, {}, _headers(role)).status_code == 403
    admin = _headers(OPERATIONS)
    response = send(client, "POST", path, {}, admin)
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert AuditRecord.objects.filter(
        action="message.retried", object_id=message.public_id
    ).exists()
    assert_refused(send(client, "POST", path, {}, admin), 409, "message_not_retryable")
    assert delivery.deliver_due_messages(10)["sent"] == 1


def test_retry_with_the_permission_alone(client, zh_customer):
    user = make_staff(role=CS_AGENT)
    user.user_permissions.add(Permission.objects.get(codename="change_message"))
    (message,) = enqueue_message(
        customer_id=zh_customer.public_id,
        template="repayment_received",
        variables=REPAID,
        channels=["push"],
        dedupe_key="p",
    )
    headers = bearer(make_staff_token(user))
    response = send(client, "POST", f"/messages/{message.public_id}/cancel", {}, headers)
    assert response.json()["status"] == "cancelled"
    response = send(client, "POST", f"/messages/{message.public_id}/retry", {}, headers)
    assert response.json()["status"] == "queued"
    assert_refused(send(client, "POST", "/messages/msg_nope/retry", {}, headers), 404, "not_found")


# --- staff: templates ----------------------------------------------------------------------------


def test_templates_list_get_and_update(client):
    pm = _headers(PRODUCT_MANAGER)
    codes = {t["code"] for t in get(client, "/templates", pm).json()}
    assert {"application_approved", "repayment_reminder", "overdue_notice"} <= codes
    template = get(client, "/templates/repayment_received", pm).json()
    assert template["variables"] == {"amount": "money", "business_date": "date"}
    new_text = "[Microloan] We received ${amount} on ${business_date}."
    response = send(client, "PATCH", "/templates/repayment_received", {"body_en": new_text}, pm)
    assert response.status_code == 200, response.content
    assert response.json()["body_en"] == new_text and response.json()["version"] == 2
    assert AuditRecord.objects.filter(action="message_template.changed").count() == 1
    (message,) = enqueue_message(
        customer_id="cus_x",
        template="repayment_received",
        variables=REPAID,
        channels=["inbox"],
        dedupe_key="after-edit",
        language="en",
    )
    assert message.body == "[Microloan] We received ¥500.00 on 2026-04-01."
    assert message.template_version == 2


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        ({"body_en": "Pay ${amount} by ${deadline}"}, "unknown_template_variable", {"body_en"}),
        (
            {"body_zh": "${nickname}您好", "subject_en": "Hi ${first_name}", "body_en": "ok"},
            "unknown_template_variable",
            {"body_zh", "subject_en"},
        ),
        ({"body_en": "costs $5"}, "invalid_template", {"body_en"}),
        ({"body_zh": "   "}, "invalid_template", {"body_zh"}),
        ({"body_en": "x" * 1001}, "validation_failed", {"body_en"}),
        ({"variables": {"x": "text"}}, "validation_failed", set()),
        ({"body_en": 5}, "validation_failed", set()),
    ],
)
def test_template_update_refusals_change_nothing(client, body, code, fields):
    pm = _headers(PRODUCT_MANAGER)
    before = get(client, "/templates/repayment_received", pm).json()
    response = send(client, "PATCH", "/templates/repayment_received", body, pm)
    refused = assert_refused(response, 422, code)
    assert fields <= set(refused["fields"])
    assert get(client, "/templates/repayment_received", pm).json() == before
    assert not AuditRecord.objects.filter(action="message_template.changed").exists()


def test_template_permissions_and_unknown_code(client):
    assert get(client, "/templates", _headers(CS_AGENT)).status_code == 403
    auditor = _headers(AUDITOR)
    assert get(client, "/templates", auditor).status_code == 200
    body = {"body_en": "ok"}
    assert send(client, "PATCH", "/templates/offer", body, auditor).status_code == 403
    pm = _headers(PRODUCT_MANAGER)
    assert_refused(get(client, "/templates/nope", pm), 404, "not_found", "code")
    assert_refused(send(client, "PATCH", "/templates/nope", body, pm), 404, "not_found")
    malformed = send(client, "PATCH", "/templates/offer", "{not json", pm)
    assert malformed.status_code in (400, 422) and malformed.json()["code"] == "malformed_json"
    assert not MessageTemplate.objects.filter(code="nope").exists()
    assert Message.objects.count() == 0
