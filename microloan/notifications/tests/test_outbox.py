"""The outbox: enqueue in the caller's transaction, dedupe, delivery, backoff, leases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone

from microloan.notifications import delivery
from microloan.notifications.models import Message, ProviderRecord
from microloan.notifications.providers import get_provider, outbox_dir
from microloan.notifications.rendering import MissingTemplateVariable
from microloan.notifications.services import enqueue_message

pytestmark = pytest.mark.django_db

REMINDER = {"days": 3, "due_date": "2026-04-02", "amount": 123456}


def _enqueue(customer_id, key="test:1", **kwargs):
    kwargs.setdefault("template", "repayment_reminder")
    kwargs.setdefault("variables", REMINDER)
    return enqueue_message(customer_id=customer_id, dedupe_key=key, **kwargs)


def test_enqueue_renders_in_the_customers_language_once_per_channel(zh_customer, en_customer):
    zh = _enqueue(zh_customer.public_id, key="k:zh")
    en = _enqueue(en_customer.public_id, key="k:en", channels=["inbox"])
    assert [m.channel for m in zh] == ["sms", "push"]
    assert (
        zh[0].language == "zh-hans" and "¥1,234.56" in zh[0].body and "2026年4月2日" in zh[0].body
    )
    assert [m.channel for m in en] == ["inbox"]
    assert en[0].language == "en" and en[0].body.startswith(
        "[Microloan] Your instalment of ¥1,234.56"
    )
    assert all(m.status == "queued" and m.public_id.startswith("msg_") for m in zh + en)


def test_unknown_customer_gets_chinese_and_language_can_be_forced(db):
    assert _enqueue("cus_nobody", key="a")[0].language == "zh-hans"
    assert _enqueue("cus_nobody", key="b", language="en")[0].language == "en"


def test_same_dedupe_key_never_writes_twice(zh_customer):
    first = _enqueue(zh_customer.public_id, key="loan.disbursed:loan_1")
    again = _enqueue(
        zh_customer.public_id, key="loan.disbursed:loan_1", variables={**REMINDER, "amount": 1}
    )
    assert [m.pk for m in again] == [m.pk for m in first]
    assert Message.objects.count() == 2
    # a new channel under the same key is a new logical message
    _enqueue(zh_customer.public_id, key="loan.disbursed:loan_1", channels=["inbox"])
    assert Message.objects.count() == 3


def test_missing_variable_raises_and_writes_nothing(zh_customer):
    with pytest.raises(MissingTemplateVariable), transaction.atomic():
        _enqueue(zh_customer.public_id, variables={"days": 3})
    assert Message.objects.count() == 0


def test_rolled_back_transaction_leaves_no_message(zh_customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue(zh_customer.public_id)
        raise RuntimeError("the cause of the message did not happen")
    assert Message.objects.count() == 0


def test_not_before_holds_delivery(zh_customer):
    later = timezone.now() + dt.timedelta(hours=5)
    _enqueue(zh_customer.public_id, not_before=later, channels=["sms"])
    assert delivery.deliver_due_messages(10) == {"sent": 0, "queued": 0, "failed": 0, "stale": 0}
    counts = delivery.deliver_due_messages(10, now=later + dt.timedelta(seconds=1))
    assert counts["sent"] == 1


def test_delivery_sends_records_and_writes_the_file(zh_customer):
    messages = _enqueue(zh_customer.public_id)
    assert delivery.deliver_due_messages(10)["sent"] == 2
    for message in messages:
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 1 and message.sent_at
        record = ProviderRecord.objects.get(idempotency_key=message.public_id)
        assert record.provider_message_id == message.provider_message_id
        assert record.body == message.body and not record.duplicate
    lines = (outbox_dir() / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["idempotency_key"] == messages[0].public_id


def test_failures_back_off_then_fail_for_good(zh_customer, settings):
    settings.NOTIFICATIONS_RETRY = {"max_attempts": 3, "base_seconds": 10, "cap_seconds": 3600}
    (message,) = _enqueue(zh_customer.public_id, channels=["sms"])
    get_provider("sms").fail_next(5, reason="gateway down")
    now = timezone.now()
    expected_waits = [10, 20, None]
    for attempt, wait in enumerate(expected_waits, start=1):
        delivery.deliver_due_messages(10, now=now)
        message.refresh_from_db()
        assert message.attempts == attempt and message.last_error == "gateway down"
        if wait is None:
            assert message.status == "failed"
        else:
            assert message.status == "queued"
            assert message.next_attempt_at == now + dt.timedelta(seconds=wait)
            # not due a moment before the backoff ends
            assert delivery.claim_due_messages(now=now + dt.timedelta(seconds=wait - 1)) == []
            now += dt.timedelta(seconds=wait)
    assert not ProviderRecord.objects.exists()


def test_permanent_failure_is_not_retried(zh_customer):
    (message,) = _enqueue(zh_customer.public_id, channels=["sms"])
    get_provider("sms").fail_next(reason="number does not exist", permanent=True)
    delivery.deliver_due_messages(10)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)


def test_a_recovering_provider_sends_on_the_retry(zh_customer):
    (message,) = _enqueue(zh_customer.public_id, channels=["push"])
    get_provider("push").fail_next()
    now = timezone.now()
    delivery.deliver_due_messages(10, now=now)
    delivery.deliver_due_messages(10, now=now + dt.timedelta(minutes=5))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_worker_killed_after_send_is_taken_over_and_the_duplicate_is_recognisable(
    zh_customer, settings
):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    (message,) = _enqueue(zh_customer.public_id, channels=["sms"])
    now = timezone.now()
    # worker A claims and sends, then dies before recording the outcome
    (claim_a,) = delivery.claim_due_messages(now=now)
    delivery.send_claim(claim_a)
    message.refresh_from_db()
    assert message.status == "sending"
    # while A's lease runs nobody else may take the message
    assert delivery.claim_due_messages(now=now + dt.timedelta(seconds=59)) == []
    # after the lease worker B takes over and sends again, with the same idempotency key
    counts = delivery.deliver_due_messages(10, now=now + dt.timedelta(seconds=61))
    assert counts["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    first, second = ProviderRecord.objects.filter(idempotency_key=message.public_id)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.provider_message_id == second.provider_message_id == message.provider_message_id
    # A wakes up: its late outcome is ignored
    assert delivery.record_outcome(claim_a, delivery.Outcome(error="late")) == "stale"
    message.refresh_from_db()
    assert message.status == "sent" and message.last_error == ""


def test_a_lease_that_expires_on_the_last_attempt_fails_the_message(zh_customer, settings):
    settings.NOTIFICATIONS_RETRY = {"max_attempts": 1}
    (message,) = _enqueue(zh_customer.public_id, channels=["sms"])
    now = timezone.now()
    delivery.claim_due_messages(now=now)
    assert delivery.claim_due_messages(now=now + dt.timedelta(hours=1)) == []
    message.refresh_from_db()
    assert message.status == "failed" and "lease expired" in message.last_error


def test_claims_do_not_overlap(zh_customer):
    _enqueue(zh_customer.public_id, key="a")
    _enqueue(zh_customer.public_id, key="b")
    first = delivery.claim_due_messages(limit=3)
    second = delivery.claim_due_messages(limit=3)
    assert len(first) == 3 and len(second) == 1
    assert not {c.message_id for c in first} & {c.message_id for c in second}
