"""Each domain event writes the right messages, once, in the publisher's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from microloan.kernel import events
from microloan.notifications.models import Message

pytestmark = pytest.mark.django_db

EVENTS = (
    "application.decided",
    "contract.signed",
    "loan.disbursed",
    "disbursement.failed",
    "repayment.posted",
    "line.limit_changed",
)


def _ours(subscriber) -> bool:
    return subscriber.__module__ == "microloan.notifications.subscribers"


@pytest.fixture(autouse=True)
def _only_notification_subscribers():
    """Other apps subscribe to the same events and need their own rows (a real line…); these
    tests publish bare payloads, so only this app's subscribers listen meanwhile."""
    others = {name: [s for s in events.subscribers(name) if not _ours(s)] for name in EVENTS}
    for name, subscribers in others.items():
        for subscriber in subscribers:
            events.unsubscribe(name, subscriber)
    yield
    for name, subscribers in others.items():
        for subscriber in subscribers:
            events.subscribe(name, subscriber)


def _publish(name, **payload):
    with transaction.atomic():
        events.publish(name, **payload)


def _messages(customer_id):
    return {
        (m.template_code, m.channel): m
        for m in Message.objects.filter(customer_id=customer_id).order_by("id")
    }


def test_application_approved_sends_decision_and_offer(zh_customer):
    payload = dict(
        customer_id=zh_customer.public_id,
        application_id="app_1",
        outcome="approved",
        reasons=[],
        line_id="line_1",
        limit=2_000_000,
        daily_rate="0.0005",
        apr="0.1825",
    )
    _publish("application.decided", **payload)
    _publish("application.decided", **payload)  # replayed: nothing new
    found = _messages(zh_customer.public_id)
    assert set(found) == {
        ("application_approved", "sms"),
        ("application_approved", "push"),
        ("offer", "inbox"),
    }
    body = found[("application_approved", "sms")].body
    assert "¥20,000.00" in body and "18.25%" in body and "0.050%" in body
    assert found[("offer", "inbox")].dedupe_key == "application.decided:app_1:offer#inbox"


def test_application_rejected_lists_the_reasons(en_customer):
    _publish(
        "application.decided",
        customer_id=en_customer.public_id,
        application_id="app_2",
        outcome="rejected",
        reasons=["grade_too_low", "admission_income_below_floor"],
        line_id="",
        limit=None,
        daily_rate="",
        apr="",
    )
    found = _messages(en_customer.public_id)
    assert set(found) == {("application_rejected", "sms"), ("application_rejected", "inbox")}
    body = found[("application_rejected", "sms")].body
    assert (
        "the credit assessment is below what we accept, the monthly income is below the minimum"
        in body
    )


@pytest.mark.parametrize(
    ("event", "payload", "template", "channels", "key", "text"),
    [
        (
            "contract.signed",
            dict(contract_id="ctr_1", kind="loan", line_id="line_1", loan_id="loan_1", sha256="ab"),
            "contract_signed",
            {"inbox"},
            "contract.signed:ctr_1",
            "借款合同",
        ),
        (
            "loan.disbursed",
            dict(
                loan_id="loan_9",
                amount=1_200_000,
                business_date=dt.date(2026, 3, 2),
                first_due_date=dt.date(2026, 4, 2),
                first_due_amount=252_345,
            ),
            "disbursement_succeeded",
            {"sms", "push", "inbox"},
            "loan.disbursed:loan_9",
            "您的借款¥12,000.00已到账。首期还款日2026年4月2日，应还¥2,523.45",
        ),
        (
            "disbursement.failed",
            dict(loan_id="loan_9", order_id="pay_1", reason_code="card_invalid"),
            "disbursement_failed",
            {"sms", "inbox"},
            "disbursement.failed:pay_1",
            "收款银行卡无效",
        ),
        (
            "repayment.posted",
            dict(
                loan_id="loan_9",
                amount=50_000,
                transaction_id="txn_7",
                source_ref="api:x",
                business_date=dt.date(2026, 4, 1),
            ),
            "repayment_received",
            {"sms", "inbox"},
            "repayment.posted:txn_7",
            "您于2026年4月1日还款¥500.00已入账",
        ),
        (
            "line.limit_changed",
            dict(line_id="line_1", old_limit=2_000_000, new_limit=1_000_000, reason="cut"),
            "limit_changed",
            {"sms", "inbox"},
            "line.limit_changed:line_1:",
            "由¥20,000.00调整为¥10,000.00",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
def test_event_writes_its_messages_once(zh_customer, event, payload, template, channels, key, text):
    customer_id = zh_customer.public_id
    _publish(event, customer_id=customer_id, **payload)
    _publish(event, customer_id=customer_id, **payload)
    messages = list(Message.objects.filter(customer_id=customer_id))
    assert {m.channel for m in messages} == channels and len(messages) == len(channels)
    assert {m.template_code for m in messages} == {template}
    assert all(m.dedupe_key.startswith(key) for m in messages)
    assert all(text in m.body for m in messages)


def test_a_rolled_back_publisher_leaves_no_message(zh_customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(
            "repayment.posted",
            customer_id=zh_customer.public_id,
            loan_id="loan_1",
            amount=100,
            transaction_id="txn_x",
            source_ref="s",
            business_date=dt.date(2026, 4, 1),
        )
        raise RuntimeError("the repayment failed after publishing")
    assert not Message.objects.exists()


def test_subscriptions_are_registered():
    for name in EVENTS:
        assert any(_ours(subscriber) for subscriber in events.subscribers(name)), name
