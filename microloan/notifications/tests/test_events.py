"""Each domain event writes the right messages, once, in the publisher's transaction."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from microloan.collections.events import BucketEntered, BucketEntry
from microloan.contracts.events import ContractSigned
from microloan.kernel import events
from microloan.lending.events import LineFrozen, LineLimitChanged, LoanDisbursed, RepaymentPosted
from microloan.notifications.models import Message
from microloan.notifications.subscribers import collection_not_before
from microloan.origination.events import ApplicationDecided
from microloan.payments.events import DisbursementFailed

pytestmark = pytest.mark.django_db

EVENTS = (
    ApplicationDecided,
    ContractSigned,
    LoanDisbursed,
    DisbursementFailed,
    RepaymentPosted,
    LineLimitChanged,
    LineFrozen,
    BucketEntered,
)
_BY_NAME = {event_class.name: event_class for event_class in EVENTS}


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
        events.publish(_BY_NAME[name](**payload))


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
        (
            "line.frozen",
            dict(line_id="line_1", reason="early_warning:ew_rule_7"),
            "line_frozen",
            {"sms", "inbox"},
            "line.frozen:line_1:",
            "您的借款额度已暂停使用，暂不能借款",
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
            RepaymentPosted(
                customer_id=zh_customer.public_id,
                loan_id="loan_1",
                amount=100,
                transaction_id="txn_x",
                source_ref="s",
                business_date=dt.date(2026, 4, 1),
            )
        )
        raise RuntimeError("the repayment failed after publishing")
    assert not Message.objects.exists()


def test_subscriptions_are_registered():
    for name in EVENTS:
        assert any(_ours(subscriber) for subscriber in events.subscribers(name)), name


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _bucket_entry(customer, *, channels, zone="Asia/Shanghai", case_id="case_1"):
    return BucketEntry(
        case_id=case_id,
        customer_id=customer.public_id,
        loan_id="loan_1",
        bucket="M2",
        channels=tuple(channels),
        dpd=31,
        overdue_amount=70_000,
        borrower_timezone=zone,
    )


def test_a_bucket_entry_sends_the_strategy_channels_in_contact_hours(zh_customer, en_customer):
    early = dt.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI)  # before 09:00 notification hours
    entries = (
        _bucket_entry(zh_customer, channels=["sms", "push"]),
        _bucket_entry(en_customer, channels=[], case_id="case_2"),  # strategy: no messages
    )
    with mock.patch("microloan.notifications.subscribers.current_time", return_value=early):
        for _replay in range(2):
            _publish(
                "collections.bucket_entered", business_date=dt.date(2026, 3, 1), entries=entries
            )
    found = _messages(zh_customer.public_id)
    assert set(found) == {("collection_notice", "sms"), ("collection_notice", "push")}
    sms = found[("collection_notice", "sms")]
    assert "您的借款已逾期31天，逾期金额¥700.00" in sms.body and "M2" not in sms.body
    assert sms.not_before == dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    assert not Message.objects.filter(customer_id=en_customer.public_id).exists()


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # Shanghai 08:30: notification hours start at 09:00.
        ((8, 30), "Asia/Shanghai", (9, 0)),
        # Shanghai 09:00 is 06:30 in Kolkata: the hours start at 09:00 there = 11:30 Shanghai.
        ((9, 0), "Asia/Kolkata", (11, 30)),
        # Inside both windows: send now.
        ((12, 0), "Asia/Kolkata", None),
    ],
)
def test_collection_messages_wait_for_the_hours_in_the_borrowers_time_zone(now, zone, expected):
    moment = dt.datetime(2026, 3, 2, *now, tzinfo=SHANGHAI)
    result = collection_not_before(moment, zone)
    if expected is None:
        assert result is None
    else:
        assert result == dt.datetime(2026, 3, 2, *expected, tzinfo=SHANGHAI)
