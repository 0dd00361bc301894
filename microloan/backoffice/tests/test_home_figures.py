"""Role home pages: each role sees its figures, each figure opens the filtered list behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from microloan.accounts import roles
from microloan.backoffice.dashboard import HOME_PANELS, Figure, visible_panels
from microloan.batch.tests.synthetic import build_synthetic_book
from microloan.lending.models import Loan

pytestmark = pytest.mark.django_db

HOME = reverse("backoffice:home")
BOOK_DATE = dt.date(2026, 3, 1)

# role -> the panel titles (en) its home page must show
EXPECTED_PANELS = {
    roles.INITIAL_REVIEWER: {"My review work", "Open applications"},
    roles.FINAL_REVIEWER: {"My review work", "Open applications"},
    roles.COLLECTOR: {"My collection day"},
    roles.OPERATIONS: {"Payment orders waiting", "Settlement breaks", "Loan book"},
    roles.CS_AGENT: {"Open applications", "Payment orders waiting"},
    roles.RISK_ANALYST: {"Approvals", "Early warning", "Loan book"},
    roles.PRODUCT_MANAGER: {"Products", "Loan book"},
    roles.AUDITOR: {"Loan book", "Approvals", "Early warning", "Settlement breaks"},
    roles.ADMIN: {"Loan book", "Approvals", "My collection day", "My review work"},
}


def _client_for(django_user_model, role: str):
    user = django_user_model.objects.create_user(username=f"{role}_home", password="x" * 14)
    user.groups.add(Group.objects.get(name=role))  # made by accounts.roles after migrate
    client = Client()
    client.force_login(user)
    return client, django_user_model.objects.get(pk=user.pk)


def _figures(response) -> dict[str, Figure]:
    return {f.label: f for panel in response.context["panels"] for f in panel.figures}


@pytest.mark.parametrize("role", sorted(EXPECTED_PANELS))
def test_each_role_sees_its_panels_and_every_figure_opens_its_list(django_user_model, role):
    client, _user = _client_for(django_user_model, role)
    with translation.override("en"):
        response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    titles = {panel.title for panel in response.context["panels"]}
    assert EXPECTED_PANELS[role] <= titles, titles
    for panel in response.context["panels"]:
        assert any(f.url for f in panel.figures), panel  # each panel leads to its lists
        for figure in panel.figures:  # and a shown link is one the role may open
            if figure.url:
                assert client.get(figure.url).status_code == 200, figure.url


def test_a_role_sees_no_panel_it_may_not_open(django_user_model):
    client, _user = _client_for(django_user_model, roles.COLLECTOR)
    titles = {panel.title for panel in client.get(HOME).context["panels"]}
    assert not titles & {"Loan book", "Payment orders waiting", "Settlement breaks", "Products"}


def test_the_header_shows_business_date_and_clock_and_figures_say_as_of(django_user_model):
    client, _user = _client_for(django_user_model, roles.OPERATIONS)
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    business_date = client.get(HOME).context["business_date"].isoformat()
    assert "Business date" in html and "Clock" in html
    assert timezone.localtime().strftime("%Y-%m-%d") in html
    assert f"Figures as of business date {business_date}" in html


def test_zh_hans_home_reads_chinese(django_user_model):
    client, _user = _client_for(django_user_model, roles.OPERATIONS)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for words in (
        "业务日期",
        "系统时间",
        "以下数据截至业务日期",
        "贷款余额",
        "逾期率",
        "待处理支付指令",
    ):
        assert words in html, words


def test_book_figures_on_a_synthetic_book_are_right_and_cheap(django_user_model):
    build_synthetic_book(loans=120, business_date=BOOK_DATE, seed=3, overdue_share=0.3, chunk=60)
    client, _user = _client_for(django_user_model, roles.ADMIN)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    # a fixed number of queries, whatever the size of the book (no query per loan or panel row)
    assert len(queries) <= 40, [q["sql"] for q in queries]
    figures = _figures(response)
    active = Loan.objects.filter(status=Loan.Status.ACTIVE)
    balance = active.aggregate(s=Sum("principal_outstanding"))["s"]
    over_30 = active.filter(dpd__gt=30).aggregate(s=Sum("principal_outstanding"))["s"] or 0
    assert figures["Book balance (principal outstanding)"].value == balance
    assert figures["Active loans"].value == active.count() == 120
    assert figures["Delinquency over 30 days"].value == pytest.approx(over_30 / balance)
    overdue = figures["Overdue ratio (balance past due)"]
    assert 0 < overdue.value < 1
    html = response.content.decode()
    assert "¥" in html and "%" in html  # money formatted, rates as percentages
    # the figure opens the loan list filtered the same way, which lists those loans
    listed = client.get(figures["Delinquency over 30 days"].url)
    assert listed.status_code == 200
    assert "dpd_min=31" in figures["Delinquency over 30 days"].url


def test_a_failing_provider_shows_as_a_failed_figure_not_a_broken_page(
    django_user_model, monkeypatch
):
    def broken(user, business_date):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        "microloan.backoffice.dashboard.HOME_PANELS", [*HOME_PANELS, ("Broken", None, broken)]
    )
    client, user = _client_for(django_user_model, roles.AUDITOR)
    panels = visible_panels(user, BOOK_DATE)
    assert panels[-1].title == "Broken" and panels[-1].figures[0].value is None
    assert client.get(HOME).status_code == 200


def _application(n: int, state: str, **fields):
    from microloan.origination.models import Application

    return Application.objects.create(
        public_id=f"app_home_{n}",
        customer_id=f"cust_home_{n}",
        product_code="WLD",
        product_version="pv_home",
        requested_amount=1_000_000,
        purpose="consumption",
        state=state,
        submitted_on=BOOK_DATE,
        **fields,
    )


def test_the_reviewer_sees_claims_time_left_breaches_and_the_unclaimed_queue(django_user_model):
    client, user = _client_for(django_user_model, roles.INITIAL_REVIEWER)
    me, now = user.get_username(), timezone.now()
    _application(1, "initial_review", claimed_by=me, sla_due_at=now + dt.timedelta(hours=3))
    _application(2, "initial_review", claimed_by=me, sla_due_at=now - dt.timedelta(hours=1))
    _application(3, "initial_review", claimed_by="someone_else")
    _application(4, "initial_review")
    _application(5, "final_review")  # another stage: not this reviewer's
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    figures = _figures(response)
    assert figures["Initial review: my claimed applications"].value == 2
    assert figures["Initial review: my SLA breaches"].value == 1
    assert figures["Initial review: unclaimed in the queue"].value == 1
    assert not any(label.startswith("Final review:") for label in figures)
    # the earliest due of my claims is the one already breached
    assert "overdue by 1 h" in response.content.decode()
    assert figures["Initial review: my claimed applications"].url == reverse(
        "origination:queue", args=["initial"]
    )


def test_approval_rates_count_decisions_of_the_window_as_percentages(django_user_model):
    from microloan.kernel.services import set_initial_business_date

    set_initial_business_date(BOOK_DATE)
    for n, state in enumerate(["approved", "auto_approved", "rejected", "initial_review"]):
        _application(10 + n, state)
    client, _user = _client_for(django_user_model, roles.RISK_ANALYST)
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    rate = _figures(response)["Approval rate, last 7 days"]
    assert rate.value == pytest.approx(2 / 3)  # the one still in review is not decided
    assert "66.67%" in response.content.decode()


def test_the_collector_sees_todays_cases_promises_due_and_contacts(django_user_model):
    from microloan.collections.models import CollectionCase, ContactAttempt, PromiseToPay

    build_synthetic_book(loans=3, business_date=BOOK_DATE, seed=7, overdue_share=0.0, chunk=3)
    client, user = _client_for(django_user_model, roles.COLLECTOR)
    loans = list(Loan.objects.order_by("id")[:3])
    cases = [
        CollectionCase.objects.create(
            public_id=f"case_home_{n}",
            loan=loan,
            customer_id=loan.customer_id,
            bucket="M1",
            opened_on=BOOK_DATE,
            opening_overdue=100,
            bucket_entered_on=BOOK_DATE,
            bucket_entry_overdue=100,
            collector=user if n < 2 else None,
            assigned_on=BOOK_DATE if n == 0 else BOOK_DATE - dt.timedelta(days=3),
        )
        for n, loan in enumerate(loans)
    ]
    for n, due in enumerate([BOOK_DATE, BOOK_DATE + dt.timedelta(days=2)]):
        PromiseToPay.objects.create(
            public_id=f"ptp_home_{n}",
            case=cases[0],
            loan=loans[0],
            amount=5000,
            made_on=BOOK_DATE,
            due_date=due,
            collector=user,
            bucket="M1",
        )
    ContactAttempt.objects.create(
        public_id="ca_home_1",
        case=cases[0],
        customer_id=loans[0].customer_id,
        collector=user,
        channel="phone",
        result="promised",
        attempted_at=timezone.now(),
        local_date=timezone.localdate(),
    )
    figures = _figures(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en"))
    assert figures["My open cases"].value == 2
    assert figures["Cases assigned to me today"].value == 1
    assert figures["Promises due today"].value == 1
    assert figures["Contacts made today"].value == 1
    assert client.get(figures["My open cases"].url).status_code == 200
