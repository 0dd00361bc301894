"""The collections end-of-day hook on a small constructed book, over several business dates:
open, move bucket, close (cured, written off, restructured), rerun without duplicates, and
the real end of day opening and closing a case for a real overdue loan."""

from __future__ import annotations

import datetime as dt

import pytest

from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.kernel.services import get_business_date
from microloan.lending.models import Loan, LoanTransaction
from microloan.lending.services.repayments import repay
from microloan.lending.tests import helpers as lending_helpers

from ..models import BucketChange, CollectionCase
from ..services.assignment import assign_cases
from .conftest import FIRST_DUE, run_hook, set_overdue

pytestmark = pytest.mark.django_db
D1 = dt.date(2026, 4, 3)


def _case(loan) -> CollectionCase:
    return CollectionCase.objects.get(loan=loan, status="open")


def _state():
    return (
        list(CollectionCase.objects.order_by("id").values_list("status", "bucket", "collector_id")),
        BucketChange.objects.count(),
    )


def test_case_opens_moves_with_the_loan_and_closes_when_cured(borrow, collector):
    loan, current = borrow(), borrow()
    set_overdue(loan, 1, overdue=50_000)
    assert run_hook(D1) == 1
    case = _case(loan)
    assert (case.bucket, case.opened_on, case.opening_overdue) == ("M1", D1, 50_000)
    assert (case.bucket_entered_on, case.bucket_entry_overdue) == (D1, 50_000)
    assert case.created_at.tzinfo is not None and case.public_id.startswith("ccas_")
    assert (case.status, case.collector, case.cause, case.version) == ("open", None, "", 0)
    assert not CollectionCase.objects.filter(loan=current).exists()
    assert list(case.history.values_list("from_bucket", "to_bucket", "dpd")) == [("", "M1", 1)]

    before = _state()
    assert run_hook(D1) == 0  # the same date again: nothing new
    assert _state() == before

    assign_cases(actor=BATCH_ACTOR)
    assert _case(loan).collector_id == collector.pk

    set_overdue(loan, 30, overdue=60_000)
    run_hook(D1 + dt.timedelta(days=29))
    assert _case(loan).bucket == "M1"  # 30 DPD is still M1: no move, no history

    day31 = D1 + dt.timedelta(days=30)
    set_overdue(loan, 31, overdue=70_000)
    assert run_hook(day31) == 1
    case = _case(loan)
    assert (case.bucket, case.bucket_entered_on, case.bucket_entry_overdue) == ("M2", day31, 70_000)
    assert case.collector_id == collector.pk  # same team keeps its collector
    assert case.opening_overdue == 50_000
    before = _state()
    run_hook(day31)
    assert _state() == before

    day91 = D1 + dt.timedelta(days=90)
    set_overdue(loan, 91, overdue=90_000)
    run_hook(day91)
    case = _case(loan)
    assert case.bucket == "M3+"
    assert case.collector_id is None  # M3+ belongs to the senior team: to be assigned again
    assert list(case.history.values_list("from_bucket", "to_bucket")) == [
        ("", "M1"),
        ("M1", "M2"),
        ("M2", "M3+"),
    ]

    cured_on = day91 + dt.timedelta(days=1)
    set_overdue(loan, 0)
    run_hook(cured_on)
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.close_reason) == ("closed", cured_on, "cured")
    before = _state()
    run_hook(cured_on)
    assert _state() == before

    again = cured_on + dt.timedelta(days=40)
    set_overdue(loan, 2, overdue=10_000)
    run_hook(again)
    assert CollectionCase.objects.filter(loan=loan).count() == 2  # a new episode, a new case
    assert _case(loan).opened_on == again


def test_cases_close_when_written_off_paid_off_or_restructured(borrow):
    written_off, paid_off, restructured = borrow(), borrow(), borrow()
    for loan in (written_off, paid_off, restructured):
        set_overdue(loan, 12)
    run_hook(D1)
    assert CollectionCase.objects.filter(status="open").count() == 3

    day = D1 + dt.timedelta(days=1)
    set_overdue(written_off, 13, status=Loan.Status.WRITTEN_OFF)
    set_overdue(paid_off, 0, status=Loan.Status.PAID_OFF)
    set_overdue(restructured, 0)
    LoanTransaction.objects.create(
        public_id="ltx_test_restructure",
        loan=restructured,
        kind=LoanTransaction.Kind.RESTRUCTURE,
        business_date=day,
        amount=0,
    )
    run_hook(day)
    reasons = dict(CollectionCase.objects.values_list("loan_id", "close_reason"))
    assert reasons == {
        written_off.pk: "written_off",
        paid_off.pk: "paid_off",
        restructured.pk: "restructured",
    }
    assert not CollectionCase.objects.filter(status="open").exists()


def test_partitions_only_touch_their_loans(borrow):
    from microloan.batch.registry import Partition

    from .. import eod
    from .conftest import hook_context

    first, second = borrow(), borrow()
    set_overdue(first, 5)
    set_overdue(second, 5)
    ctx = hook_context(D1)
    only_first = type(ctx)(
        run_id=ctx.run_id,
        business_date=D1,
        actor=ctx.actor,
        partition=Partition(index=0, lo=first.pk, hi=first.pk + 1),
    )
    eod.run_cases(only_first)
    assert list(CollectionCase.objects.values_list("loan_id", flat=True)) == [first.pk]


def test_real_end_of_day_opens_the_case_and_a_repayment_cures_it(borrow, collector):
    loan = borrow()
    lending_helpers.jump_to(FIRST_DUE)  # EOD ran through FIRST_DUE - 1
    run_eod(actor=BATCH_ACTOR)  # EOD(due date): due, not overdue yet
    assert not CollectionCase.objects.exists()
    run_eod(actor=BATCH_ACTOR)  # EOD(due + 1): 1 DPD
    loan.refresh_from_db()
    assert loan.dpd == 1
    case = _case(loan)
    assert (case.bucket, case.collector_id) == ("M1", collector.pk)  # assigned by EOD too
    owed = loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable
    assert case.opening_overdue == owed > 0

    repay(
        actor=BATCH_ACTOR,
        loan_id=loan.public_id,
        amount=owed,
        business_date=get_business_date(),
        source_ref="test:cure",
    )
    run_eod(actor=BATCH_ACTOR)
    case.refresh_from_db()
    assert (case.status, case.close_reason) == ("closed", "cured")


def test_restructure_proposed_from_the_case_closes_it_once_approved(borrow, collector):
    from microloan.accounts.testing import make_staff
    from microloan.kernel.actors import Actor
    from microloan.kernel.errors import DomainError
    from microloan.lending.services import requests

    from ..services.cases import propose_case_restructure

    loan = borrow()
    lending_helpers.jump_to(FIRST_DUE)
    run_eod(actor=BATCH_ACTOR)
    run_eod(actor=BATCH_ACTOR)
    case = _case(loan)
    maker = Actor.from_user(collector)
    proposal = propose_case_restructure(
        actor=maker,
        case_id=case.public_id,
        term_months=10,
        method="equal_instalment",
        reason="illness",
    )
    with pytest.raises(DomainError):  # the collector cannot approve: a second person must
        requests.approve_request(actor=maker, request_id=proposal.public_id)
    checker = Actor.from_user(make_staff(role="risk_analyst"))
    requests.approve_request(actor=checker, request_id=proposal.public_id)
    run_eod(actor=BATCH_ACTOR)
    case.refresh_from_db()
    assert (case.status, case.close_reason) == ("closed", "restructured")


def test_bucket_entries_are_announced_once_per_partition(borrow):
    from microloan.kernel import events

    from ..events import BucketEntered

    received = []

    def subscriber(event: BucketEntered):
        received.append((event.business_date, event.entries))

    events.subscribe(BucketEntered, subscriber)
    try:
        first, second = borrow(), borrow()
        set_overdue(first, 3)
        set_overdue(second, 40)
        run_hook(D1)
    finally:
        events.unsubscribe(BucketEntered, subscriber)
    assert len(received) == 1
    day, entries = received[0]
    assert day == D1
    assert {(e.loan_id, e.bucket, e.channels) for e in entries} == {
        (first.public_id, "M1", ("sms", "push")),
        (second.public_id, "M2", ("sms",)),
    }


def test_a_bucket_entry_queues_the_strategy_messages_for_the_borrower(borrow):
    from microloan.notifications.models import Message

    first, second = borrow(), borrow()
    set_overdue(first, 3)
    set_overdue(second, 40)
    run_hook(D1)
    run_hook(D1)  # a rerun of the day queues nothing new
    sent = {
        (m.customer_id, m.channel)
        for m in Message.objects.filter(template_code="collection_notice")
    }
    # M1's strategy sends SMS and push, M2's SMS only (the strategies of the fixture).
    assert sent == {
        (first.customer_id, "sms"),
        (first.customer_id, "push"),
        (second.customer_id, "sms"),
    }
