"""Row locks on PostgreSQL: a contact waits for another one in flight to the same borrower
(on another case), so the daily cap holds across cases and collectors."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from microloan.accounts.testing import make_staff
from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (fixture)
from microloan.batch.services import BATCH_ACTOR
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation

from ..models import CollectionCase, ContactAttempt, RefusedContactAttempt
from ..services.assignment import assign_cases
from ..services.contacts import log_contact
from .conftest import D1_PHONE, run_hook, set_overdue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_contact_waits_for_one_in_flight_to_the_same_borrower(audit_rows_erasable, borrow, today):  # noqa: F811
    customer = make_customer(phone=D1_PHONE)
    first, second = borrow(customer), borrow(customer)
    set_overdue(first, 3)
    set_overdue(second, 3)
    run_hook(today)
    collectors = [make_staff(role="collector"), make_staff(role="collector")]
    assign_cases(actor=BATCH_ACTOR)
    cases = list(CollectionCase.objects.order_by("id"))
    assert {case.collector_id for case in cases} == {c.pk for c in collectors}
    by_collector = {case.collector_id: case for case in cases}

    def attempt(user, clock):
        moment = dt.datetime.combine(today, dt.time(clock), SHANGHAI)
        return log_contact(
            actor=Actor.from_user(user),
            case_id=by_collector[user.pk].public_id,
            channel="phone",
            result="no_answer",
            phone=D1_PHONE,
            attempted_at=moment,
        )

    attempt(collectors[0], 9)
    attempt(collectors[1], 10)
    # Collector 0's third contact is mid-flight (its transaction holds the borrower's case
    # locks and has written the contact) when collector 1 tries on the other case: collector 1
    # must wait, then count three and be refused — without the locks it would count two.
    outcome = {}
    with transaction.atomic():
        list(CollectionCase.objects.select_for_update().filter(customer_id=customer.public_id))
        ContactAttempt.objects.create(
            public_id="ccon_inflight",
            case=by_collector[collectors[0].pk],
            customer_id=customer.public_id,
            collector=collectors[0],
            channel="phone",
            result="no_answer",
            attempted_at=dt.datetime.combine(today, dt.time(11), SHANGHAI),
            local_date=today,
        )
        thread = threading.Thread(target=_capture, args=(outcome, attempt, collectors[1], 12))
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waiting on the lock
    thread.join(timeout=30)
    assert isinstance(outcome["result"], BusinessRuleViolation)
    assert outcome["result"].code == "daily_attempts_exceeded"
    assert ContactAttempt.objects.count() == 3
    assert RefusedContactAttempt.objects.count() == 1


def _capture(outcome, attempt, user, clock):
    try:
        outcome["result"] = attempt(user, clock)
    except Exception as error:  # collected for the assertions
        outcome["result"] = error
    finally:
        connection.close()
