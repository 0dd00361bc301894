"""Several workers at once (PostgreSQL: row locks with SKIP LOCKED): no message is claimed
twice while its lease runs, and each is sent exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from microloan.notifications import delivery
from microloan.notifications.models import Message, ProviderRecord
from microloan.notifications.services import enqueue_message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_disjoint_messages():
    with transaction.atomic():
        for number in range(30):
            enqueue_message(
                customer_id="cus_concurrent",
                template="repayment_received",
                variables={"amount": 100, "business_date": "2026-04-01"},
                channels=["sms"],
                dedupe_key=f"concurrent:{number}",
            )
    barrier = threading.Barrier(3)
    results: list[dict] = []

    def worker():
        try:
            barrier.wait()
            results.append(delivery.deliver_due_messages(10))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while sum(r["sent"] for r in results) < 30:  # a worker skipping locked rows may leave some
        results.append(delivery.deliver_due_messages(30))
    assert sum(r["sent"] for r in results) == 30
    assert Message.objects.filter(status="sent").count() == 30
    assert ProviderRecord.objects.count() == 30
    assert not ProviderRecord.objects.filter(duplicate=True).exists()
