"""In a browser: each role sees its figures, clicks one and lands on the filtered list."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from microloan.batch.tests.synthetic import build_synthetic_book

pytestmark = pytest.mark.browser

# (role, language, panel title, figure link, the list URL it must open)
CASES = [
    ("operations", "zh-hans", "对账差异", "未解决的对账差异", r"/payments/breaks/\?status=open"),
    ("operations", "en", "Settlement breaks", "Open settlement breaks", r"/breaks/\?status=open"),
    ("collector", "zh-hans", "我的今日催收", "我的在催案件", r"/my-cases/\?status=open"),
    ("collector", "en", "My collection day", "Promises due today", r"/my-cases/\?status=open"),
    ("initial_reviewer", "zh-hans", "我的审核工作", "初审: 队列中未领取", r"/queues/initial/"),
    ("final_reviewer", "en", "My review work", "Final review: my SLA breaches", r"/queues/final/"),
    ("risk_analyst", "zh-hans", "贷后预警", "待审批的预警措施", r"/postloan/actions/"),
    ("risk_analyst", "en", "Approvals", "Approval rate, last 30 days", r"submitted_from="),
    ("product_manager", "en", "Products", "Product versions pending approval", r"/pending/"),
    ("cs_agent", "zh-hans", "在途申请", "已退回补正", r"state=returned"),
]


def _home_words(page) -> str:
    return page.locator("main").inner_text()


@pytest.mark.parametrize(("role", "language", "panel", "link", "lands_on"), CASES)
def test_a_role_sees_its_figures_and_a_click_opens_the_filtered_list(
    open_as, role, language, panel, link, lands_on
):
    page = open_as(role, language)
    header = page.locator("header.topbar").inner_text()
    if language == "en":
        assert "Business date" in header and "Clock" in header
        assert "Figures as of business date" in _home_words(page)
    else:
        assert "业务日期" in header and "系统时间" in header
        assert "以下数据截至业务日期" in _home_words(page)
    assert page.get_by_role("heading", name=panel, exact=True).is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).first.click()
    assert re.search(lands_on, page.url), page.url
    assert page.locator("main h1").is_visible()  # a page that answered, not an error


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_management_sees_the_book_as_money_and_percentages(open_as, language):
    build_synthetic_book(
        loans=60, business_date=dt.date(2026, 3, 1), seed=5, overdue_share=0.3, chunk=60
    )
    page = open_as("admin", language)
    words = _home_words(page)
    assert "2026-03-01" in words  # "as of business date D"
    book = "Loan book" if language == "en" else "贷款资产"
    panel = page.locator("section.panel", has=page.get_by_role("heading", name=book, exact=True))
    text = panel.inner_text()
    assert "¥" in text and "%" in text
    link = "Delinquency over 30 days" if language == "en" else "逾期 30 天以上占比"
    with page.expect_navigation():
        panel.get_by_role("link", name=link, exact=True).first.click()
    assert "dpd_min=31" in page.url and "status=active" in page.url
    assert page.locator("main table").count() > 0  # the overdue loans, listed
