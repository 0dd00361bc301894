"""In the browser, zh-Hans and en: freezing a line and proposing a write-off ask first with a
summary; Cancel changes nothing, confirming does it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from microloan.accounts.roles import COLLECTOR, RISK_ANALYST
from microloan.lending.models import CreditLine, MakerCheckerRequest

from . import helpers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WORDS = {
    "zh-hans": {
        "freeze": "确定冻结授信额度",
        "freeze_effect": "解冻之前，客户无法使用该额度借款",
        "writeoff": "确定提议核销借据",
        "nothing": "尚未做任何更改",
    },
    "en": {
        "freeze": "Freeze credit line",
        "freeze_effect": "can no longer draw on this line",
        "writeoff": "Propose writing off loan",
        "nothing": "Nothing has been changed yet",
    },
}


def _submit(page, form):
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_freeze_asks_first_and_cancel_changes_nothing(open_as, line, language):
    page = open_as(RISK_ANALYST, language)
    page.goto(reverse("lending:line", args=[line.public_id]))
    form = page.locator(f'form[action="{reverse("lending:line_freeze", args=[line.public_id])}"]')
    form.locator("textarea, input[type=text]").first.fill("疑似欺诈 suspected fraud")
    _submit(page, form)
    body = page.locator("body").inner_text()
    assert WORDS[language]["freeze"] in body and WORDS[language]["freeze_effect"] in body
    assert WORDS[language]["nothing"] in body and "疑似欺诈 suspected fraud" in body
    assert CreditLine.objects.get(pk=line.pk).status == "active"
    with page.expect_navigation():
        page.locator(".confirm a.button").click()  # Cancel
    assert page.url.endswith(reverse("lending:line", args=[line.public_id]))
    assert CreditLine.objects.get(pk=line.pk).status == "active"
    form.locator("textarea, input[type=text]").first.fill("疑似欺诈 suspected fraud")
    _submit(page, form)
    _submit(page, page.locator(".confirm form"))
    assert CreditLine.objects.get(pk=line.pk).status == "frozen"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_write_off_asks_first_and_cancel_changes_nothing(open_as, line, language):
    loan = helpers.active_loan(line, amount=1_200_000)
    page = open_as(COLLECTOR, language)
    page.goto(reverse("lending:loan", args=[loan.public_id]))
    form = page.locator(f'form[action="{reverse("lending:loan_writeoff", args=[loan.public_id])}"]')
    form.locator("textarea, input[type=text]").first.fill("无法收回 uncollectable")
    _submit(page, form)
    body = page.locator("body").inner_text()
    assert WORDS[language]["writeoff"] in body and WORDS[language]["nothing"] in body
    assert not MakerCheckerRequest.objects.exists()
    with page.expect_navigation():
        page.locator(".confirm a.button").click()  # Cancel
    assert not MakerCheckerRequest.objects.exists()
    form.locator("textarea, input[type=text]").first.fill("无法收回 uncollectable")
    _submit(page, form)
    _submit(page, page.locator(".confirm form"))
    assert MakerCheckerRequest.objects.get().kind == "write_off"
