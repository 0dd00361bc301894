"""Two processes posting the same source_ref at once: one entry, both get it (PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction

from microloan.kernel.actors import Actor
from microloan.ledger.models import JournalEntry, JournalLine
from microloan.ledger.services import post_entry

from .helpers import TODAY, disbursement_lines

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACTOR = Actor.system("test-ledger")


def disburse():
    return post_entry(
        actor=ACTOR,
        entry_type="disbursement",
        business_date=TODAY,
        lines=disbursement_lines(100),
        source_ref="disbursement:loan_race",
    )


def test_a_second_posting_waits_for_the_first_and_returns_its_entry():
    first_posted, results, errors = threading.Event(), {}, []

    def slow_first():
        try:
            with transaction.atomic():
                results["first"] = disburse().pk
                first_posted.set()
                # The second caller found nothing committed and now waits on the unique index.
                threading.Event().wait(0.5)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            first_posted.set()
            connection.close()

    def second():
        try:
            first_posted.wait()
            results["second"] = disburse().pk
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results["first"] == results["second"]
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (1, 2)
