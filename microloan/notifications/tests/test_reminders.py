"""The reminders end-of-day hook on a small constructed book (issue #6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from microloan.batch.registry import Partition, StepContext, hooks
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import set_initial_business_date
from microloan.lending.models import Instalment, Loan
from microloan.lending.services import drawdowns, lines
from microloan.notifications import reminders
from microloan.notifications.models import Message, ReminderPolicy
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
READ_ON = D + dt.timedelta(days=1)  # EOD of D writes for the borrower's D + 1
SYSTEM = Actor.system("test")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI)


@pytest.fixture
def version(django_user_model):
    set_initial_business_date(D)
    maker = django_user_model.objects.create(username="pm_reminders")
    product = Product.objects.create(code="WLD", name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker=maker, status="active")
    version.set_terms(replace(default_weilidai_terms()))
    version.save()
    return version


def _loan(version, customer_id: str, first_due: dt.date, *, paid=False) -> Loan:
    line = lines.open_credit_line(
        actor=SYSTEM,
        customer_id=customer_id,
        product_version_id=version.public_id,
        limit=5_000_000,
        daily_rate=Decimal("0.0005"),
        grade="",
    )
    loan = drawdowns.drawdown(
        actor=Actor.borrower(customer_id),
        line_id=line.public_id,
        amount=1_200_000,
        term_months=5,
        method="equal_instalment",
        business_date=D,
    )
    loan = drawdowns.disburse_loan(actor=SYSTEM, loan_id=loan.public_id, business_date=D)
    first = Instalment.objects.get(loan=loan, number=1)
    first.due_date = first_due
    if paid:
        first.status, first.paid_principal, first.paid_interest = (
            "paid",
            first.principal,
            first.interest,
        )
    first.save()
    return loan


@pytest.fixture
def book(version):
    zh, en = make_customer(preferred_language="zh-hans"), make_customer(preferred_language="en")
    days = dt.timedelta
    return {
        "in3": _loan(version, zh.public_id, READ_ON + days(3)),
        "in1": _loan(version, en.public_id, READ_ON + days(1)),
        "today": _loan(version, zh.public_id, READ_ON),
        "in2": _loan(version, zh.public_id, READ_ON + days(2)),
        "paid": _loan(version, en.public_id, READ_ON + days(1), paid=True),
    }


def _run(monkeypatch, *, at=MORNING, lo=0, hi=10**12) -> int:
    monkeypatch.setattr(reminders, "current_time", lambda: at)
    context = StepContext(
        run_id="eod_test",
        business_date=D,
        actor=Actor.system("eod"),
        partition=Partition(0, lo, hi),
    )
    with transaction.atomic():
        return reminders.write_reminders(context)


def _reminded(loan) -> list[Message]:
    return list(Message.objects.filter(dedupe_key__startswith=f"reminder:{loan.public_id}:"))


def test_reminds_due_in_3_1_and_0_days_by_sms_and_push(book, monkeypatch):
    Message.objects.all().delete()  # the disbursement notices
    assert _run(monkeypatch) == 6
    for name, days in (("in3", 3), ("in1", 1), ("today", 0)):
        messages = _reminded(book[name])
        assert sorted(m.channel for m in messages) == ["push", "sms"], name
        first = Instalment.objects.get(loan=book[name], number=1)
        assert {m.variables["amount"] for m in messages} == {first.principal + first.interest}
        assert {m.template_code for m in messages} == {
            "repayment_due_today" if days == 0 else "repayment_reminder"
        }
        assert all(m.not_before is None and m.status == "queued" for m in messages)
    assert not _reminded(book["in2"]) and not _reminded(book["paid"])
    (sms_in3,) = [m for m in _reminded(book["in3"]) if m.channel == "sms"]
    assert "3天后（2026年3月6日）到期" in sms_in3.body and sms_in3.language == "zh-hans"
    (sms_in1,) = [m for m in _reminded(book["in1"]) if m.channel == "sms"]
    assert "due in 1 day(s), on 2026-03-04" in sms_in1.body and sms_in1.language == "en"


def test_rerun_writes_nothing_twice(book, monkeypatch):
    first = _run(monkeypatch)
    before = Message.objects.count()
    assert first == 6
    assert _run(monkeypatch) == 0
    assert Message.objects.count() == before


def test_outside_allowed_hours_messages_wait_for_the_morning(book, monkeypatch):
    _run(monkeypatch, at=NIGHT)
    messages = Message.objects.filter(dedupe_key__startswith="reminder:")
    assert messages.count() == 6
    expected = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert {m.not_before for m in messages} == {expected}
    assert {m.next_attempt_at for m in messages} == {expected}


def test_only_the_partitions_loans(book, monkeypatch):
    loan = book["in3"]
    assert _run(monkeypatch, lo=loan.pk, hi=loan.pk + 1) == 2
    assert {
        m.dedupe_key.split(":")[1]
        for m in Message.objects.filter(dedupe_key__startswith="reminder:")
    } == {loan.public_id}


def test_offsets_per_product(book, monkeypatch):
    ReminderPolicy.objects.create(product_code="WLD", offsets=[2])
    assert _run(monkeypatch) == 2
    assert len(_reminded(book["in2"])) == 2


def test_offsets_from_settings(book, monkeypatch, settings):
    settings.NOTIFICATIONS_REMINDER_OFFSETS = [0]
    assert _run(monkeypatch) == 2
    assert len(_reminded(book["today"])) == 2


def test_inactive_loans_are_not_reminded(book, monkeypatch):
    Loan.objects.filter(pk=book["in3"].pk).update(status="paid_off")
    assert _run(monkeypatch) == 4


def test_overdue_notice_on_the_first_day_past_due(book, monkeypatch):
    loan = book["in2"]
    Loan.objects.filter(pk=loan.pk).update(
        dpd=1,
        oldest_unpaid_due_date=D - dt.timedelta(days=1),
        overdue_principal=200_000,
        overdue_interest=12_345,
    )
    assert _run(monkeypatch) == 8
    notices = Message.objects.filter(template_code="overdue_notice")
    assert sorted(m.channel for m in notices) == ["inbox", "sms"]
    assert "逾期1天，逾期金额¥2,123.45" in notices[0].body
    assert _run(monkeypatch) == 0


def test_hook_is_registered_in_the_reminders_slot():
    step = next(step for step in hooks("reminders") if step.name == "notifications.reminders")
    assert step.partitioned and step.run is reminders.write_reminders
