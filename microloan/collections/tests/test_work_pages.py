"""What a collector and a supervisor do on the pages: a call on the registered mobile (never
typed), refusals in words, promises within the debt, the assignment picker, percentages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.testing import make_staff
from microloan.batch.services import BATCH_ACTOR
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.services import get_business_date

from ..interface import case_overdue
from ..models import CollectionCase, ContactAttempt, PromiseToPay
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


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _clock(monkeypatch, clock: str):
    moment = dt.datetime.combine(
        get_business_date(), dt.time.fromisoformat(clock), ZoneInfo("Asia/Shanghai")
    )
    monkeypatch.setattr(contacts, "now", lambda: moment)


def _contact(client, case, **extra):
    data = {"channel": "phone", "number": "registered_mobile", "result": "no_answer", **extra}
    return client.post(reverse("collections:case_contact", args=[case.public_id]), data)


def test_call_on_the_registered_mobile_is_recorded_masked(case, collector, monkeypatch):
    client = _client(collector)
    page = client.get(reverse("collections:case", args=[case.public_id])).content.decode()
    assert "Registered mobile 139****5678" in page and D1_PHONE not in page
    assert 'name="phone"' not in page  # the page never asks for the digits
    _clock(monkeypatch, "10:00")
    assert _contact(client, case).status_code == 302
    contact = ContactAttempt.objects.get()
    assert (contact.number_used, contact.number_masked) == ("registered_mobile", "139****5678")
    assert contact.number_index  # the borrower's index: the conduct check saw their number
    page = client.get(reverse("collections:case", args=[case.public_id])).content.decode()
    assert "Registered mobile 139****5678" in page


def test_refusal_names_every_reason_in_words(case, collector, monkeypatch):
    client = _client(collector)
    _clock(monkeypatch, "10:00")
    for _ in range(3):
        assert _contact(client, case).status_code == 302
    _clock(monkeypatch, "22:30")
    reply = _contact(client, case, note="late call")
    page = reply.content.decode()
    assert reply.status_code == 422 and ContactAttempt.objects.count() == 3
    assert "only from 08:00 to 21:00" in page and "three contact attempts today" in page
    assert "outside_contact_hours" not in page and "[&#x27;" not in page and "['" not in page
    assert "late call" in page  # what was typed is kept
    page = client.get(reverse("collections:case", args=[case.public_id])).content.decode()
    assert "Outside contact hours; Daily attempts exceeded" in page


def test_refusal_in_chinese(case, collector, monkeypatch):
    _clock(monkeypatch, "22:30")
    page = _contact(_client(collector, "zh-hans"), case).content.decode()
    assert "08:00" in page and "outside_contact_hours" not in page and "['" not in page


def test_numbered_contact_needs_a_number_and_api_still_takes_one(case, collector, monkeypatch):
    client = _client(collector)
    _clock(monkeypatch, "10:00")
    reply = _contact(client, case, number="")
    assert reply.status_code == 422 and ContactAttempt.objects.count() == 0
    with pytest.raises(ValidationFailed) as refused:
        contacts.log_contact(
            actor=Actor.from_user(collector), case_id=case.public_id, channel="sms", result="busy"
        )
    assert "number" in refused.value.fields
    contact = contacts.log_contact(
        actor=Actor.from_user(collector),
        case_id=case.public_id,
        channel="sms",
        result="busy",
        phone=D1_PHONE,
    )
    assert (contact.number_used, contact.number_masked) == ("given", "139****5678")


def test_promise_above_the_debt_is_a_field_error(case, collector):
    client = _client(collector)
    url = reverse("collections:case_promise", args=[case.public_id])
    due = (get_business_date() + dt.timedelta(days=3)).isoformat()
    reply = client.post(url, {"amount": "99999999.00", "due_date": due})
    page = reply.content.decode()
    assert reply.status_code == 422 and "More than the debt" in page and "99999999" in page
    assert not PromiseToPay.objects.exists()
    assert case_overdue(case.public_id) == 100_000  # what the demo promises: the arrears


def test_supervisor_assigns_with_the_picker(case, collector, other_collector):
    supervisor = _client(make_staff(role="risk_analyst"))
    page = supervisor.get(reverse("collections:cases")).content.decode()
    assert f"{collector.username} — 1 open cases, ¥1,000.00 overdue" in page
    assert f"{other_collector.username} — 0 open cases" in page
    assert 'form="bulk-assign"' in page
    reply = supervisor.post(
        reverse("collections:bulk_assign"),
        {"cases": [case.public_id], "collector": other_collector.username},
    )
    assert reply.status_code == 302
    case.refresh_from_db()
    assert case.collector_id == other_collector.pk
    reply = supervisor.post(
        reverse("collections:case_assign", args=[case.public_id]),
        {"collector": collector.username},
    )
    assert reply.status_code == 302
    case.refresh_from_db()
    assert case.collector_id == collector.pk


def test_bulk_assign_refusals_change_nothing(case, collector, other_collector):
    supervisor = _client(make_staff(role="risk_analyst"))
    url = reverse("collections:bulk_assign")
    reply = supervisor.post(url, {"cases": [case.public_id], "collector": "nobody"})
    assert reply.status_code == 422
    reply = supervisor.post(url, {"collector": other_collector.username})
    assert reply.status_code == 422 and "Tick at least one case" in reply.content.decode()
    reply = supervisor.post(
        url, {"cases": [case.public_id, "ccas_none"], "collector": other_collector.username}
    )
    assert reply.status_code in (404, 422)
    assert CollectionCase.objects.get().collector_id == collector.pk
    # a collector may not assign
    reply = _client(collector).post(
        url, {"cases": [case.public_id], "collector": other_collector.username}
    )
    assert reply.status_code == 403
    assert CollectionCase.objects.get().collector_id == collector.pk


def test_stats_show_percentages(case, collector, monkeypatch):
    _clock(monkeypatch, "10:00")
    client = _client(collector)
    due = (get_business_date() + dt.timedelta(days=3)).isoformat()
    client.post(
        reverse("collections:case_promise", args=[case.public_id]),
        {"amount": "100.00", "due_date": due},
    )
    PromiseToPay.objects.update(status="kept")
    page = _client(make_staff(role="risk_analyst")).get(reverse("collections:stats"))
    assert "100.00%" in page.content.decode()
