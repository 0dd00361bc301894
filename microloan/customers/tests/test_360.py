"""The customer 360° page: each section read through its owner's interface, shown only with
the viewer's permission, masked, in words; and the header's global search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import CS_AGENT, sync_roles
from microloan.accounts.testing import make_staff
from microloan.customers.tests.book360 import PHONE, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.urls")]


def _client(role: str, language: str = "en") -> Client:
    from django.contrib.auth.models import Group

    sync_roles()
    user = make_staff(username=f"u_{role}")
    user.groups.add(Group.objects.get(name=role))
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _page(client, book) -> str:
    response = client.get(reverse("customers:detail", args=[book.customer_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_cs_agent_sees_every_section_masked_and_in_words():
    book = build_book()
    html = _page(_client(CS_AGENT), book)
    for title in (
        "Credit lines",
        "Loans",
        "Applications and decisions",
        "Repayments",
        "Payment orders",
        "Contracts",
        "Messages sent",
        "Collection cases",
        "Consents",
    ):
        assert f"<h2>{title}</h2>" in html, title
    assert "The declared monthly income is below the minimum." in html  # reason in words
    assert "admission_income_below_floor" not in html and "equal_instalment" not in html
    assert "Rejected" in html and "Repayment collection" in html and "Succeeded" in html
    assert "Repayment schedule" in html and "¥1,000.00" in html and "Scheduled" in html
    assert "M1 (1–30 days)" in html and "Signed" in html and "还款提醒" in html
    assert "139****5678" in html and PHONE not in html  # masked; the message text is not shown
    assert "您的借款" not in html
    for url in (
        reverse("lending:line", args=[book.line_id]),
        reverse("lending:loan", args=[book.loan_ids[0]]),
        reverse("origination:application", args=[book.application_id]),
        reverse("payments:order", args=[book.order_id]),
        reverse("contracts:contract", args=[book.contract_id]),
        reverse("contracts:contract_pdf", args=[book.contract_id]),
        reverse("notifications:message", args=[book.message_id]),
    ):
        assert f'href="{url}"' in html, url
    # customer service sees the case, not a link to the collector's page it may not open
    assert f'href="{reverse("collections:case", args=[book.case_id])}"' not in html


def test_the_page_in_chinese():
    book = build_book()
    html = _page(_client(CS_AGENT, "zh-hans"), book)
    for title in ("授信额度", "贷款", "还款计划", "支付指令", "合同", "催收案件", "授权"):
        assert title in html, title
    assert "Credit lines" not in html and "Payment orders" not in html


def test_a_role_without_the_permission_does_not_see_the_section():
    book = build_book()
    html = _page(_client("collector"), book)
    assert "<h2>Loans</h2>" in html and "<h2>Collection cases</h2>" in html
    for hidden in ("Applications and decisions", "Payment orders", "Contracts", "Messages sent"):
        assert f"<h2>{hidden}</h2>" not in html, hidden
    assert book.order_id not in html and book.contract_id not in html
    assert f'href="{reverse("collections:case", args=[book.case_id])}"' in html


def test_a_role_without_customer_access_gets_403():
    book = build_book(loans=1)
    client = _client("marketing")
    assert client.get(reverse("customers:detail", args=[book.customer_id])).status_code == 403


def test_twenty_loans_cost_few_queries(django_assert_max_num_queries):
    book = build_book(loans=20)
    client = _client(CS_AGENT)
    _page(client, book)  # warm: sessions, permissions, discovery
    with django_assert_max_num_queries(25):
        html = _page(client, book)
    assert html.count('class="loan-360"') == 20


def test_global_search_by_phone_jumps_to_the_customer():
    book = build_book(loans=1)
    client = _client(CS_AGENT)
    response = client.post(reverse("customers:find"), {"q": "139 1234 5678"})
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[book.customer_id])


@pytest.mark.parametrize("field", ["loan", "application", "contract"])
def test_global_search_by_public_id_jumps_to_its_page(field):
    book = build_book(loans=1)
    client = _client(CS_AGENT)
    public_id, name = {
        "loan": (book.loan_ids[0], "lending:loan"),
        "application": (book.application_id, "origination:application"),
        "contract": (book.contract_id, "contracts:contract"),
    }[field]
    response = client.post(reverse("customers:find"), {"q": f" {public_id} "})
    assert response.status_code == 302 and response.url == reverse(name, args=[public_id])


def test_global_search_explains_what_it_understands():
    client = _client(CS_AGENT)
    response = client.post(reverse("customers:find"), {"q": "张三"})
    assert response.status_code == 400
    assert "Type a full mobile number" in response.content.decode()
    nothing = client.post(reverse("customers:find"), {"q": "13700000000"})
    assert nothing.status_code == 200 and "No customer matches" in nothing.content.decode()
    assert "13700000000" not in nothing.content.decode()


def test_global_search_for_customers_needs_the_permission():
    build_book(loans=1)
    client = _client("operations")
    assert client.post(reverse("customers:find"), {"q": PHONE}).status_code == 403


def test_the_header_has_the_search_box():
    client = _client(CS_AGENT)
    html = client.get(reverse("customers:search")).content.decode()
    assert f'action="{reverse("customers:find")}"' in html


def test_each_section_reads_in_at_most_two_queries(django_assert_max_num_queries):
    from microloan.customers import profile

    book = build_book(loans=20)
    profile.sections_for(make_staff(username="warm"))  # discovery imports the interfaces
    for key in ("lines", "loans", "applications", "repayments", "orders", "contracts",
                "messages", "cases"):  # fmt: skip
        section = profile.section(key)
        with django_assert_max_num_queries(2):
            rows = section.rows(book.customer_id)
        assert rows, key
