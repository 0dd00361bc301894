"""Conduct limits at their boundaries, refusals logged although the request fails, promises
to pay refused on bad input and judged kept or broken by end of day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from microloan.batch.services import BATCH_ACTOR
from microloan.customers.models import Customer
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation, Conflict, DomainError, ValidationFailed
from microloan.kernel.services import advance_business_date, get_business_date
from microloan.lending.services.repayments import repay

from ..models import ContactAttempt, PromiseToPay, RefusedContactAttempt
from ..services.assignment import assign_cases
from ..services.contacts import log_contact, make_promise
from .conftest import D1_PHONE, run_hook, set_overdue

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 4, 10)


def at(clock: str, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), SHANGHAI)


@pytest.fixture
def worked_case(borrow, collector, today):
    """An open M1 case assigned to ``collector``; its customer's phone is D1_PHONE."""
    from microloan.customers.testing import make_customer

    customer = make_customer(phone=D1_PHONE)
    loan = borrow(customer)
    set_overdue(loan, 5)
    run_hook(today)
    assign_cases(actor=BATCH_ACTOR)
    return loan.collection_cases.get()


def call(collector, case, when, *, phone=D1_PHONE, channel="phone"):
    return log_contact(
        actor=Actor.from_user(collector),
        case_id=case.public_id,
        channel=channel,
        result="no_answer",
        phone=phone,
        attempted_at=when,
    )


def refused(collector, case, when, **kwargs) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as refusal:
        call(collector, case, when, **kwargs)
    return refusal.value


def test_phone_is_never_stored_in_clear(worked_case, collector):
    contact = call(collector, worked_case, at("10:00"))
    customer = Customer.objects.get(public_id=worked_case.customer_id)
    assert contact.number_index == customer.phone_index
    assert D1_PHONE not in str(ContactAttempt.objects.values().get())


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [("07:59", False), ("08:00", True), ("20:59", True), ("21:00", False)],
)
def test_contact_hours_at_the_boundaries(worked_case, collector, clock, allowed):
    if allowed:
        assert call(collector, worked_case, at(clock)).local_date == DAY
        assert not RefusedContactAttempt.objects.exists()
    else:
        assert refused(collector, worked_case, at(clock)).code == "outside_contact_hours"
        assert not ContactAttempt.objects.exists()
        assert RefusedContactAttempt.objects.get().reasons == ["outside_contact_hours"]


def test_hours_are_the_borrowers_local_time(worked_case, collector):
    utc_0759 = dt.datetime(2026, 4, 9, 23, 59, tzinfo=dt.UTC)  # 07:59 in Shanghai
    assert refused(collector, worked_case, utc_0759).code == "outside_contact_hours"
    call(collector, worked_case, dt.datetime(2026, 4, 10, 0, 0, tzinfo=dt.UTC))  # 08:00


def test_third_attempt_allowed_fourth_refused_across_cases_and_collectors(
    worked_case, collector, other_collector, borrow, today
):
    # A second loan of the same borrower with its own case and another collector.
    second_loan = borrow(Customer.objects.get(public_id=worked_case.customer_id))
    set_overdue(second_loan, 3)
    run_hook(today)
    second = second_loan.collection_cases.get()
    second.collector = other_collector
    second.save()

    call(collector, worked_case, at("09:00"))
    call(other_collector, second, at("10:00"))
    call(collector, worked_case, at("11:00"))  # the 3rd
    refusal = refused(other_collector, second, at("12:00"))  # the 4th
    assert (refusal.code, refusal.fields["reasons"]) == (
        "daily_attempts_exceeded",
        ["daily_attempts_exceeded"],
    )
    assert ContactAttempt.objects.count() == 3
    assert RefusedContactAttempt.objects.get().case_id == second.pk
    call(collector, worked_case, at("08:00", DAY + dt.timedelta(days=1)))  # a new day


def test_only_the_borrowers_own_number(worked_case, collector):
    refusal = refused(collector, worked_case, at("10:00"), phone="13900000000")
    assert refusal.code == "not_borrower_number"
    # Same number in another spelling is the same number.
    call(collector, worked_case, at("10:00"), phone=f"+86 {D1_PHONE}")
    # A visit has no number to check.
    call(collector, worked_case, at("11:00"), phone="", channel="visit")


def test_only_the_assigned_collector(worked_case, other_collector):
    refusal = refused(other_collector, worked_case, at("10:00"))
    assert refusal.code == "not_assigned"
    row = RefusedContactAttempt.objects.get()
    assert row.actor_id == f"staff:{other_collector.username}"
    assert not ContactAttempt.objects.exists()


def test_every_broken_rule_is_reported_and_logged(worked_case, other_collector):
    refusal = refused(other_collector, worked_case, at("22:00"), phone="13900000000")
    expected = ["not_assigned", "outside_contact_hours", "not_borrower_number"]
    assert refusal.fields["reasons"] == expected
    assert RefusedContactAttempt.objects.get().reasons == expected


def test_the_refusal_is_kept_when_an_outer_transaction_commits(worked_case, collector):
    with transaction.atomic(), pytest.raises(BusinessRuleViolation):
        call(collector, worked_case, at("07:00"))
    assert RefusedContactAttempt.objects.count() == 1


def test_malformed_contact_is_refused_without_a_trace(worked_case, collector):
    with pytest.raises(ValidationFailed) as refusal:
        log_contact(
            actor=Actor.from_user(collector),
            case_id=worked_case.public_id,
            channel="pigeon",
            result="maybe",
            attempted_at=at("10:00"),
        )
    assert set(refusal.value.fields) == {"channel", "result"}
    assert not ContactAttempt.objects.exists() and not RefusedContactAttempt.objects.exists()


# --- promises --------------------------------------------------------------------------------


def promise(collector, case, amount, due_date):
    return make_promise(
        actor=Actor.from_user(collector), case_id=case.public_id, amount=amount, due_date=due_date
    )


@pytest.mark.parametrize(
    ("amount", "days_ahead", "fields"),
    [
        (10_000, -1, {"due_date"}),
        (10**12, 3, {"amount"}),
        (0, 3, {"amount"}),
        (10**12, -1, {"amount", "due_date"}),
        (10_000, 31, {"due_date"}),
    ],
)
def test_bad_promises_are_refused_logged_and_nothing_changes(
    worked_case, collector, amount, days_ahead, fields, caplog
):
    due = get_business_date() + dt.timedelta(days=days_ahead)
    logged = caplog.at_level("WARNING", logger="microloan.collections")
    with logged, pytest.raises(ValidationFailed) as refusal:
        promise(collector, worked_case, amount, due)
    assert set(refusal.value.fields) == fields
    assert not PromiseToPay.objects.exists()
    assert any(
        "promise refused" in r.getMessage() and worked_case.public_id in r.getMessage()
        for r in caplog.records
    )


def test_promise_by_someone_not_assigned_is_refused(worked_case, other_collector):
    with pytest.raises(DomainError) as refusal:
        promise(other_collector, worked_case, 10_000, get_business_date())
    assert refusal.value.code == "not_assigned"
    assert not PromiseToPay.objects.exists()


def test_one_pending_promise_at_a_time(worked_case, collector):
    promise(collector, worked_case, 10_000, get_business_date() + dt.timedelta(days=2))
    with pytest.raises(Conflict):
        promise(collector, worked_case, 10_000, get_business_date() + dt.timedelta(days=2))


def test_promise_kept_when_repayments_reach_the_amount(worked_case, collector):
    today = get_business_date()
    kept = promise(collector, worked_case, 30_000, today + dt.timedelta(days=3))
    for n, amount in enumerate((10_000, 20_000)):
        repay(
            actor=BATCH_ACTOR,
            loan_id=worked_case.loan.public_id,
            amount=amount,
            business_date=today,
            source_ref=f"test:ptp:{n}",
        )
    run_hook(today)
    kept.refresh_from_db()
    assert (kept.status, kept.paid_amount, kept.judged_on) == ("kept", 30_000, today)


def test_promise_broken_after_its_date_pending_before(worked_case, collector):
    today = get_business_date()
    due = today + dt.timedelta(days=2)
    broken = promise(collector, worked_case, 30_000, due)
    repay(
        actor=BATCH_ACTOR,
        loan_id=worked_case.loan.public_id,
        amount=29_999,
        business_date=today,
        source_ref="test:ptp:short",
    )
    run_hook(due - dt.timedelta(days=1))
    broken.refresh_from_db()
    assert (broken.status, broken.paid_amount) == ("pending", 29_999)
    run_hook(due)  # its date: a payment may still post tomorrow (one grace day)
    broken.refresh_from_db()
    assert broken.status == "pending"
    after = due + dt.timedelta(days=1)
    run_hook(after)
    broken.refresh_from_db()
    assert (broken.status, broken.judged_on) == ("broken", after)
    run_hook(after)  # rerun: judged once
    assert PromiseToPay.objects.get().judged_on == after


def test_a_payment_posted_the_day_after_the_date_keeps_the_promise(worked_case, collector):
    """The due date's auto-debit is answered overnight and posts the next business day."""
    today = get_business_date()
    due = today + dt.timedelta(days=1)
    kept = promise(collector, worked_case, 30_000, due)
    run_hook(due)
    kept.refresh_from_db()
    assert kept.status == "pending"
    after = due + dt.timedelta(days=1)
    for day in (today, due):
        advance_business_date(expected_current=day)
    repay(
        actor=BATCH_ACTOR,
        loan_id=worked_case.loan.public_id,
        amount=30_000,
        business_date=after,
        source_ref="test:ptp:debit",
    )
    run_hook(after)
    kept.refresh_from_db()
    assert (kept.status, kept.paid_amount, kept.judged_on) == ("kept", 30_000, after)


def test_without_grace_a_promise_is_broken_on_its_date(worked_case, collector, settings):
    settings.COLLECTIONS_PROMISE_GRACE_DAYS = 0
    due = get_business_date() + dt.timedelta(days=1)
    broken = promise(collector, worked_case, 30_000, due)
    run_hook(due)
    broken.refresh_from_db()
    assert (broken.status, broken.judged_on) == ("broken", due)
