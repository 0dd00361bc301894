"""Committed transactions: concurrent appenders, and emptying the trail after such tests."""

import threading

import pytest
from django.db import connection, transaction

from microloan.audit.models import AuditRecord
from microloan.audit.services import record_audit, verify_audit_chain
from microloan.kernel.actors import Actor


@pytest.mark.postgres
def test_concurrent_appenders_take_turns_and_the_chain_never_forks(audit_rows_erasable):
    writers, records_each = 4, 10
    start = threading.Barrier(writers)
    errors = []

    def append(writer):
        actor = Actor.system(f"worker{writer}")
        try:
            start.wait()
            for n in range(records_each):
                with transaction.atomic():
                    record_audit(
                        actor=actor, action="loan.accrued", object_type="loan", object_id=f"{n}"
                    )
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = writers * records_each
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert (verify_audit_chain().ok, verify_audit_chain().verified) == (True, total)


def test_committed_records_can_be_erased_after_a_transactional_test(audit_rows_erasable, clerk):
    with transaction.atomic():
        record_audit(actor=clerk, action="line.frozen", object_type="credit_line", object_id="l1")
    assert AuditRecord.objects.count() == 1
    # The fixture's teardown empties the trail so the test runner's flush is not refused.
