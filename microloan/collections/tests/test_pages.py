"""Back-office pages: queues, case page with its forms, stats and strategies, the menu."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.testing import make_staff
from microloan.batch.services import BATCH_ACTOR
from microloan.customers.testing import make_customer
from microloan.kernel.services import get_business_date

from ..models import CollectionStrategy, ContactAttempt, PromiseToPay, RefusedContactAttempt
from ..services import contacts
from ..services.assignment import assign_cases
from .conftest import D1_PHONE, run_hook, set_overdue

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(borrow, collector, today):
    loan = borrow(make_customer(phone=D1_PHONE))
    set_overdue(loan, 5)
    run_hook(today)
    assign_cases(actor=BATCH_ACTOR)
    return loan.collection_cases.get()


@pytest.fixture
def browser(collector):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(collector)
    return client


def _clock(monkeypatch, clock: str):
    moment = dt.datetime.combine(
        get_business_date(), dt.time.fromisoformat(clock), ZoneInfo("Asia/Shanghai")
    )
    monkeypatch.setattr(contacts, "now", lambda: moment)


def test_queues_and_menu(browser, case):
    page = browser.get(reverse("collections:my_cases"))
    assert page.status_code == 200 and case.public_id in page.content.decode()
    for name in ("collections:my_cases", "collections:cases", "collections:stats"):
        assert reverse(name) in page.content.decode()  # menu entries
    page = browser.get(reverse("collections:cases"), {"bucket": "M2"})
    assert case.public_id not in page.content.decode()


def test_case_page_forms(browser, case, monkeypatch):
    url = reverse("collections:case", args=[case.public_id])
    page = browser.get(url)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert D1_PHONE not in page.content.decode()

    _clock(monkeypatch, "10:00")
    contact = {"channel": "phone", "number": "registered_mobile", "result": "no_answer"}
    reply = browser.post(reverse("collections:case_contact", args=[case.public_id]), contact)
    assert reply.status_code == 302 and ContactAttempt.objects.count() == 1

    _clock(monkeypatch, "07:59")
    reply = browser.post(reverse("collections:case_contact", args=[case.public_id]), contact)
    assert reply.status_code == 422 and "08:00" in reply.content.decode()
    assert ContactAttempt.objects.count() == 1 and RefusedContactAttempt.objects.count() == 1

    promise = {"amount": "100.00", "due_date": "2026-03-05"}
    reply = browser.post(reverse("collections:case_promise", args=[case.public_id]), promise)
    assert reply.status_code == 302 and PromiseToPay.objects.get().amount == 10_000
    reply = browser.post(
        reverse("collections:case_cause", args=[case.public_id]), {"cause": "job_loss"}
    )
    assert reply.status_code == 302
    case.refresh_from_db()
    assert case.cause == "job_loss"


def test_unknown_case_page(browser, today):
    assert browser.get(reverse("collections:case", args=["ccas_none"])).status_code == 404


def test_stats_and_strategies_pages(case, today):
    analyst = Client(HTTP_ACCEPT_LANGUAGE="en")
    analyst.force_login(make_staff(role="risk_analyst"))
    assert analyst.get(reverse("collections:stats")).status_code == 200
    assert analyst.get(reverse("collections:strategies")).status_code == 200
    reply = analyst.post(
        reverse("collections:strategy_update", args=["M3+"]),
        {"M3+-team": "senior", "M3+-outsource": "on", "M3+-calls": "on"},
    )
    assert reply.status_code == 302
    strategy = CollectionStrategy.objects.get(bucket="M3+")
    assert (strategy.outsource, strategy.calls, strategy.sms) == (True, True, False)


def test_pages_refuse_staff_without_permission(case):
    other = Client()
    other.force_login(make_staff(role="marketing"))
    assert other.get(reverse("collections:cases")).status_code == 403
    assert other.get(reverse("collections:case", args=[case.public_id])).status_code == 403


def test_pages_speak_chinese(case, collector):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(collector)
    page = client.get(reverse("collections:my_cases")).content.decode()
    assert "我的案件" in page and "催收员" in page
