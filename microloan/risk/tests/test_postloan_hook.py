"""The end-of-day hook on a small book: the monthly check, reruns, ordinary days, partitions,
and each trigger (overdue on another line, a new blacklist hit, an ID expiring)."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from microloan.batch.registry import hooks, unregister_hook
from microloan.batch.services import run_eod
from microloan.customers.models import Customer
from microloan.customers.testing import customer_data, make_customer
from microloan.kernel import events
from microloan.kernel.services import get_business_date
from microloan.lending.events import LineFrozen, LineLimitChanged
from microloan.lending.models import CreditLine
from microloan.risk import services as risk_services
from microloan.risk.models import EarlyWarningAction, PostLoanCheck
from microloan.risk.postloan import hooks as postloan_hooks
from microloan.risk.postloan.services import apply_queued_actions
from microloan.risk.postloan.tasks import apply_early_warning_actions
from microloan.risk.tests.postloan_book import (
    EOD_ACTOR,
    draw,
    open_line,
    run_hook,
    start_book,
    walk_to,
)

START = dt.date(2026, 3, 2)
FIRST_OF_APRIL = dt.date(2026, 4, 1)  # a Wednesday: the month's first business day

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return start_book(START)


@pytest.fixture
def book(version):
    """Three customers; the first has two lines. Every line has a loan drawn on START."""
    lines = [
        open_line(version, "cust_a"),
        open_line(version, "cust_a"),
        open_line(version, "cust_b"),
        open_line(version, "cust_c"),
    ]
    for line in lines:
        draw(line)
    return lines


@pytest.fixture
def captured():
    seen = []

    def capture(event):
        seen.append((event.name, event.payload()))

    for event_class in (LineFrozen, LineLimitChanged):
        events.subscribe(event_class, capture)
    yield seen
    for event_class in (LineFrozen, LineLimitChanged):
        events.unsubscribe(event_class, capture)


@pytest.fixture
def hook_registered():
    was_there = any(step.name == postloan_hooks.HOOK_NAME for step in hooks("early_warning"))
    postloan_hooks.register()
    postloan_hooks.register()  # twice is harmless
    yield
    if not was_there:
        unregister_hook(postloan_hooks.HOOK_NAME)


def test_monthly_check_through_end_of_day(book, hook_registered):
    walk_to(FIRST_OF_APRIL)
    assert PostLoanCheck.objects.count() == 0  # March days were ordinary and nothing triggered
    run_eod(actor=EOD_ACTOR, partitions=3)
    checks = PostLoanCheck.objects.filter(business_date=FIRST_OF_APRIL)
    assert sorted(checks.values_list("line_id", flat=True)) == sorted(line.pk for line in book)
    assert set(checks.values_list("trigger", flat=True)) == {"monthly"}
    check = checks.get(line=book[2])
    # One month on book, no lateness, 24 % used: 300 + 120 + 80 + 80 + 10.
    assert check.score == 590
    assert check.facts["utilisation_bp"] == 2_400
    assert check.decision == "none"
    # The next day is ordinary: nothing.
    run_eod(actor=EOD_ACTOR)
    assert PostLoanCheck.objects.count() == len(book)


def test_rerun_adds_nothing_and_partitions_cover_every_line_once(book):
    walk_to(FIRST_OF_APRIL)
    first_loan_ids = sorted(line.loans.get().pk for line in book)
    middle = first_loan_ids[2]
    assert run_hook(bounds=((0, middle), (middle, 2**63 - 1))) == len(book)
    assert run_hook() == 0
    assert PostLoanCheck.objects.count() == len(book)


def test_a_line_without_loans_is_checked_in_the_first_partition(version):
    line = open_line(version, "cust_empty")
    walk_to(FIRST_OF_APRIL)
    assert run_hook(bounds=((5, 2**63 - 1),)) == 0
    assert run_hook(bounds=((0, 5),)) == 1
    check = PostLoanCheck.objects.get(line=line)
    assert check.facts["utilisation_bp"] == 0 and check.decision == "none"


def test_ordinary_day_writes_nothing(book):
    walk_to(dt.date(2026, 3, 20))
    assert run_hook() == 0
    assert not PostLoanCheck.objects.exists()


def test_overdue_on_another_line_triggers_a_check_and_a_small_cut(book, captured, hook_registered):
    overdue_line, sister = book[0], book[1]
    # cust_a's first line is not paid on its due date (2 April); everything else is.
    walk_to(dt.date(2026, 4, 3), pay={sister.public_id, "cust_b", "cust_c"})
    run_eod(actor=EOD_ACTOR)  # 3 April: dpd 1, within the grace day
    assert not PostLoanCheck.objects.filter(business_date__gt=FIRST_OF_APRIL).exists()
    run_eod(actor=EOD_ACTOR)  # 4 April: dpd 2 > 1 grace day on the first line
    assert PostLoanCheck.objects.filter(business_date__gt=FIRST_OF_APRIL).count() == 1
    assert EarlyWarningAction.objects.get(line=sister).status == "queued"
    assert sister.limit == 5_000_000 and not captured  # applied after end of day commits
    assert apply_queued_actions() == 1
    check = PostLoanCheck.objects.get(line=sister, business_date=dt.date(2026, 4, 4))
    assert check.trigger == "overdue_other_line"
    assert check.overdue_other_line and check.facts["other_line_max_dpd"] == 2
    assert check.decision == "reduce" and check.proposed_limit == 4_000_000
    action = EarlyWarningAction.objects.get(line=sister)
    assert action.status == "applied"  # a 20 % cut needs nobody's approval
    sister.refresh_from_db()
    assert sister.limit == 4_000_000
    assert ("line.limit_changed", {
        "customer_id": "cust_a", "line_id": sister.public_id, "old_limit": 5_000_000,
        "new_limit": 4_000_000, "reason": action.reason,
    }) in captured  # fmt: skip
    assert not PostLoanCheck.objects.filter(line=overdue_line, business_date__gt=FIRST_OF_APRIL)
    # The next day the signal is known: no new check.
    run_eod(actor=EOD_ACTOR)
    assert PostLoanCheck.objects.filter(business_date__gt=FIRST_OF_APRIL).count() == 1


def test_new_blacklist_hit_freezes_the_line(version, captured):
    data = customer_data()
    customer = make_customer(**data)
    line = open_line(version, customer.public_id)
    draw(line)
    walk_to(dt.date(2026, 3, 10))
    assert run_hook() == 0
    risk_services.add_blacklist_entry(
        actor=EOD_ACTOR, kind="phone", value=data["phone"], source="manual", reason="fraud ring"
    )
    assert run_hook() == 1
    check = PostLoanCheck.objects.get(line=line)
    assert (check.trigger, check.blacklist_hit, check.decision) == ("blacklist_hit", True, "freeze")
    assert apply_queued_actions() == 1
    line.refresh_from_db()
    assert line.status == CreditLine.Status.FROZEN
    assert EarlyWarningAction.objects.get(line=line).status == "applied"
    assert [name for name, _ in captured] == ["line.frozen"]
    walk_to(dt.date(2026, 3, 11))
    assert run_hook() == 0  # already flagged, already frozen


def test_id_expiring_within_30_days_is_a_signal_and_expired_freezes(version):
    customer = make_customer()
    line = open_line(version, customer.public_id)
    draw(line)
    walk_to(dt.date(2026, 3, 10))
    Customer.objects.filter(pk=customer.pk).update(id_expiry=dt.date(2026, 4, 10))  # 31 days
    assert run_hook() == 0
    walk_to(dt.date(2026, 3, 11))
    assert run_hook() == 1  # now exactly 30 days
    check = PostLoanCheck.objects.get(line=line)
    assert (check.trigger, check.id_expiring, check.decision) == ("id_expiry", True, "none")
    assert check.facts["id_state"] == "expiring"
    walk_to(dt.date(2026, 3, 12))
    assert run_hook() == 0
    # On the month's first business day the monthly check sees the expired ID and freezes.
    Customer.objects.filter(pk=customer.pk).update(id_expiry=dt.date(2026, 3, 31))
    walk_to(FIRST_OF_APRIL, pay=None)
    assert run_hook() == 1
    monthly = PostLoanCheck.objects.get(line=line, business_date=FIRST_OF_APRIL)
    assert (monthly.trigger, monthly.decision, monthly.reasons) == (
        "monthly",
        "freeze",
        ["id_expired"],
    )
    assert get_business_date() == FIRST_OF_APRIL


def test_queued_actions_are_applied_by_a_task_queued_on_commit(
    version, django_capture_on_commit_callbacks
):
    data = customer_data()
    line = open_line(version, make_customer(**data).public_id)
    draw(line)
    risk_services.add_blacklist_entry(
        actor=EOD_ACTOR, kind="card", value=data["bank_card_number"], source="manual", reason="x"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run_hook() == 1
    assert len(callbacks) == 1
    assert DBTaskResult.objects.filter(task_path__endswith="apply_early_warning_actions").exists()
    assert apply_early_warning_actions.call() == 1  # what the worker runs
    line.refresh_from_db()
    assert line.status == CreditLine.Status.FROZEN
    action = EarlyWarningAction.objects.get(line=line)
    assert action.status == "applied" and action.decided_at is not None
    assert apply_early_warning_actions.call() == 0  # nothing twice
    # A lending refusal (the line was frozen meanwhile) leaves the action skipped, not failed.
    line2 = open_line(version, "cust_other")
    EarlyWarningAction.objects.filter(pk=action.pk).update(status="queued")
    assert apply_queued_actions() == 1
    assert EarlyWarningAction.objects.get(pk=action.pk).status == "skipped"
    assert line2.status == "active"


def test_a_blacklist_entry_counts_by_the_business_date_not_the_wall_clock(version):
    # The entry runs out an hour after business day 2026-03-10 closes: the checks of that day
    # see it in force, whatever the wall clock says while end of day runs.
    data = customer_data()
    customer = make_customer(**data)
    line = open_line(version, customer.public_id)
    draw(line)
    walk_to(dt.date(2026, 3, 10))
    entry = risk_services.add_blacklist_entry(
        actor=EOD_ACTOR, kind="phone", value=data["phone"], source="manual", reason="fraud ring"
    )
    expires = dt.datetime(2026, 3, 11, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    type(entry).objects.filter(pk=entry.pk).update(expires_at=expires)
    late_clock = expires + dt.timedelta(days=300)
    with mock.patch("django.utils.timezone.now", return_value=late_clock):
        assert run_hook() == 1
    assert PostLoanCheck.objects.get(line=line).blacklist_hit
