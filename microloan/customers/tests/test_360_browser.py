"""In a real browser: customer service finds a customer by phone from the header's search box
and reads the 360° page; a role without a permission does not see that section. zh-Hans and en.
"""

from __future__ import annotations

import pytest

from microloan.customers.tests.book360 import PHONE, build_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-hans": {
        "search": "手机号、身份证号、银行卡号或记录编号",
        "sections": [
            "授信额度",
            "贷款",
            "申请与审批结果",
            "还款记录",
            "支付指令",
            "合同",
            "已发送消息",
            "催收案件",
            "授权",
        ],
        "schedule": "还款计划",
        "reason": "申报的月收入低于最低要求。",
        "decision": ("已拒绝", "已驳回"),  # the app catalogues disagree: either is words
        "order": "成功",
        "pdf": "下载 PDF",
        "bucket": "M1（1–30天）",
    },
    "en": {
        "search": "Phone, ID, card or record id",
        "sections": [
            "Credit lines",
            "Loans",
            "Applications and decisions",
            "Repayments",
            "Payment orders",
            "Contracts",
            "Messages sent",
            "Collection cases",
            "Consents",
        ],
        "schedule": "Repayment schedule",
        "reason": "The declared monthly income is below the minimum.",
        "decision": ("Rejected",),
        "order": "Succeeded",
        "pdf": "Download PDF",
        "bucket": "M1 (1–30 days)",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cs_agent_finds_a_customer_by_phone_and_reads_the_360_page(open_as, language):
    words = WORDS[language]
    book = build_book()
    page = open_as("cs_agent", language)
    box = page.get_by_placeholder(words["search"])
    box.fill("139 1234 5678")
    box.press("Enter")
    page.wait_for_url(f"**/customers/{book.customer_id}/")
    headings = [h.strip() for h in page.locator("h2").all_inner_texts()]
    for title in words["sections"]:
        assert title in headings, (title, headings)
    body = page.locator("body").inner_text()
    assert "139****5678" in body and PHONE not in body  # masked
    assert words["schedule"] in body and words["reason"] in body
    assert any(word in body for word in words["decision"])
    assert words["order"] in body and words["bucket"] in body
    assert "admission_income_below_floor" not in body and "equal_instalment" not in body
    assert page.get_by_role("link", name=words["pdf"]).count() == 1
    # a row links to its own page
    page.locator("#section-loans").get_by_role("link", name=book.loan_ids[0]).click()
    page.wait_for_url(f"**/lending/loans/{book.loan_ids[0]}/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_collector_does_not_see_sections_it_may_not_open(open_as, language):
    words = WORDS[language]
    book = build_book(loans=1)
    page = open_as("collector", language)
    page.goto(f"/customers/{book.customer_id}/")
    headings = [h.strip() for h in page.locator("h2").all_inner_texts()]
    assert words["sections"][1] in headings and words["sections"][7] in headings
    for hidden in (
        words["sections"][2],
        words["sections"][4],
        words["sections"][5],
        words["sections"][6],
    ):
        assert hidden not in headings, hidden
    assert "139****5678" in page.locator("body").inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_header_search_jumps_to_an_application_by_its_id(open_as, language):
    book = build_book(loans=1)
    page = open_as("cs_agent", language)
    box = page.get_by_placeholder(WORDS[language]["search"])
    box.fill(book.application_id)
    box.press("Enter")
    page.wait_for_url(f"**/origination/{book.application_id}/")
    assert book.application_id in page.locator("body").inner_text()
