"""PostgreSQL: concurrent applications of one customer give one open application; two
reviewers claiming one case at once give one claim."""

import threading

import pytest
from django.db import connection

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict
from microloan.origination import services
from microloan.origination.models import Application

from .conftest import application_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count, work):
    start = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            start.wait()
            work(index)
            outcomes.append("ok")
        except Conflict as refused:
            outcomes.append(refused.code)
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_concurrent_applications_leave_one_open(customer, audit_rows_erasable):  # noqa: F811
    borrower = Actor.borrower(customer.public_id)

    def apply(index):
        services.apply_for_credit(
            actor=borrower,
            data=application_body(customer, face_token="review-1", device_id=f"race-{index}"),
        )

    assert _race(3, apply) == ["application_open", "application_open", "ok"]
    assert Application.objects.filter(customer_id=customer.public_id).count() == 1


def test_concurrent_claims_give_one_claim(customer, audit_rows_erasable):  # noqa: F811
    application = services.apply_for_credit(
        actor=Actor.borrower(customer.public_id),
        data=application_body(customer, face_token="review-1"),
    )
    perms = frozenset({"origination.review_initial_application"})
    reviewers = [Actor(kind="staff", id=f"rev{i}", permissions=perms) for i in range(3)]

    def claim(index):
        services.claim_application(actor=reviewers[index], application_id=application.public_id)

    assert _race(3, claim) == ["claimed_by_other", "claimed_by_other", "ok"]
