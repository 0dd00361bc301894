"""In a real browser, as people work: a collector opens today's queue and a case, logs a call
on the registered mobile, is refused in words outside contact hours, records a promise; a
supervisor assigns cases with the picker. In zh-Hans and en."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from microloan.customers.testing import make_customer
from microloan.kernel.services import get_business_date

from ..models import CollectionCase, ContactAttempt, PromiseToPay
from ..services import contacts
from .conftest import D1_PHONE, run_hook, set_overdue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["zh-hans", "en"]


def _words(language: str, text: str) -> str:
    """``text`` as the page shows it in ``language`` (the app's catalogue)."""
    with translation.override(language):
        return str(translation.gettext(text))


@pytest.fixture
def case(borrow, today):
    loan = borrow(make_customer(phone=D1_PHONE))
    set_overdue(loan, 5)
    run_hook(today)
    return loan.collection_cases.get()


def _signed_in_user(role: str):
    return get_user_model().objects.filter(username__startswith=f"browser_{role}_").latest("pk")


def _clock(monkeypatch, clock: str):
    moment = dt.datetime.combine(
        get_business_date(), dt.time.fromisoformat(clock), ZoneInfo("Asia/Shanghai")
    )
    monkeypatch.setattr(contacts, "now", lambda: moment)


@pytest.mark.parametrize("language", LANGUAGES)
def test_collector_calls_is_refused_in_words_and_records_a_promise(
    open_as, case, monkeypatch, language
):
    page = open_as("collector", language)
    CollectionCase.objects.filter(pk=case.pk).update(collector=_signed_in_user("collector"))
    _clock(monkeypatch, "10:00")

    page.goto("/collections/my-cases/")
    page.get_by_role("link", name=case.public_id).click()
    assert "139****5678" in page.inner_text("main")
    assert page.locator("input[name=phone]").count() == 0  # the number is picked, not typed
    channel = page.get_by_label(_words(language, "Channel"))
    channel.select_option(label=_words(language, "Phone call"))
    number = page.get_by_label(_words(language, "Number used"))
    number.select_option(label=f"{_words(language, 'Registered mobile')} 139****5678")
    page.get_by_label(_words(language, "Result")).select_option(label=_words(language, "No answer"))
    page.get_by_role("button", name=_words(language, "Record contact")).click()
    assert _words(language, "The contact was recorded.") in page.inner_text("body")
    assert ContactAttempt.objects.get().number_masked == "139****5678"

    _clock(monkeypatch, "22:30")
    page.get_by_role("button", name=_words(language, "Record contact")).click()
    shown = page.inner_text("body")
    hours = _words(language, "Borrowers may be contacted only from 08:00 to 21:00 their time.")
    assert hours in shown and "outside_contact_hours" not in shown and "['" not in shown
    assert ContactAttempt.objects.count() == 1

    due = (get_business_date() + dt.timedelta(days=5)).isoformat()
    page.get_by_label(_words(language, "Amount (yuan)")).fill("99999999")
    page.get_by_label(_words(language, "Pay by")).fill(due)
    page.get_by_role("button", name=_words(language, "Record promise")).click()
    assert "99999999" in page.locator("input[name=amount]").input_value()  # input kept
    assert not PromiseToPay.objects.exists()
    page.get_by_label(_words(language, "Amount (yuan)")).fill("500.00")
    page.get_by_role("button", name=_words(language, "Record promise")).click()
    assert _words(language, "The promise to pay was recorded.") in page.inner_text("body")
    assert PromiseToPay.objects.get().amount == 50_000
    if language == "zh-hans":
        assert "还款承诺已保存" in page.inner_text("body")


@pytest.mark.parametrize("language", LANGUAGES)
def test_supervisor_assigns_cases_with_the_picker(open_as, case, collector, language):
    page = open_as("risk_analyst", language)
    page.goto("/collections/cases/")
    load = page.locator("section.panel", has_text=collector.username).inner_text()
    assert collector.username in load
    page.get_by_label(f"{case.public_id}").check()
    picker = page.locator("#bulk-assign select[name=collector]")
    options = picker.locator("option").all_inner_texts()
    mine = next(option for option in options if option.startswith(collector.username))
    assert "0" in mine and "¥" in mine  # load: open cases and amount, in words
    picker.select_option(label=mine)
    page.locator("#bulk-assign button[type=submit]").click()
    shown = page.inner_text("body")
    assert collector.username in shown
    with translation.override(language):
        expected = translation.gettext("%(count)s cases were assigned to %(collector)s.") % {
            "count": 1,
            "collector": collector.username,
        }
    assert expected in shown
    assert CollectionCase.objects.get().collector_id == collector.pk
