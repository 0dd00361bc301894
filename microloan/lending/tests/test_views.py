"""Back-office pages of lending: search, loan and line pages, forms, pending approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from microloan.customers.testing import ensure_customer
from microloan.lending.models import CreditLine, MakerCheckerRequest
from microloan.lending.services import lines, manual_postings

from . import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.lending.tests.urls")]


@pytest.fixture
def ops_client(ops_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ops_user)
    return client


@pytest.fixture
def checker_client(checker_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(checker_user)
    return client


@pytest.fixture
def loan(ops, line):
    return helpers.active_loan(line, amount=1_200_000)


def test_loan_search_full_page_and_htmx_fragment(ops_client, loan):
    page = ops_client.get(reverse("lending:loans"))
    assert page.status_code == 200
    assert loan.public_id in page.content.decode() and "<html" in page.content.decode()
    fragment = ops_client.get(
        reverse("lending:loans"), {"status": "paid_off"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert loan.public_id not in fragment.content.decode()


def test_loan_search_bad_range(ops_client, loan):
    response = ops_client.get(reverse("lending:loans"), {"dpd_min": 5, "dpd_max": 1})
    assert response.status_code == 422


def test_loan_page_shows_apr_before_the_daily_rate(ops_client, loan):
    html = ops_client.get(reverse("lending:loan", args=[loan.public_id])).content.decode()
    assert html.index("APR") < html.index("Daily rate")
    assert "¥12,000.00" in html


def test_quote_fragment(ops_client, loan, today):
    response = ops_client.get(
        reverse("lending:loan_quote", args=[loan.public_id]), {"date": today.isoformat()}
    )
    assert response.status_code == 200
    assert "¥12,000.00" in response.content.decode()
    past = ops_client.get(
        reverse("lending:loan_quote", args=[loan.public_id]), {"date": "2020-01-01"}
    )
    assert past.status_code == 422


def test_pages_need_permission(loan, db, django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody", password="x" * 12)
    client = Client()
    client.force_login(nobody)
    assert client.get(reverse("lending:loan", args=[loan.public_id])).status_code == 403
    assert Client().get(reverse("lending:loans")).status_code == 302  # to the login page


def test_freeze_form(ops_client, line):
    freeze = reverse("lending:line_freeze", args=[line.public_id])
    asked = ops_client.post(freeze, {"action": "freeze", "freeze-reason": "signal"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "Freeze credit line" in body and "signal" in body
    assert CreditLine.objects.get(pk=line.pk).status == "active"  # asked first, nothing changed
    response = ops_client.post(
        freeze, {"action": "freeze", "freeze-reason": "signal", "confirmed": "1"}
    )
    assert response.status_code == 302
    assert CreditLine.objects.get(pk=line.pk).status == "frozen"
    empty = ops_client.post(
        reverse("lending:line_freeze", args=[line.public_id]), {"action": "unfreeze"}
    )
    assert empty.status_code == 422
    assert CreditLine.objects.get(pk=line.pk).status == "frozen"


def test_limit_change_form_and_approval(ops_client, checker_client, line):
    response = ops_client.post(
        reverse("lending:line_limit", args=[line.public_id]),
        {"limit-new_limit": "60,000.00", "limit-reason": "good payer"},
    )
    assert response.status_code == 302
    proposal = MakerCheckerRequest.objects.get()
    own = ops_client.get(reverse("lending:requests")).content.decode()
    assert "another person decides" in own
    page = checker_client.get(reverse("lending:requests")).content.decode()
    assert proposal.public_id in page
    decided = checker_client.post(
        reverse("lending:request_decide", args=[proposal.public_id]), {"decision": "approve"}
    )
    assert decided.status_code == 302
    assert CreditLine.objects.get(pk=line.pk).limit == 6_000_000


def test_bad_limit_text_is_refused(ops_client, line):
    response = ops_client.post(
        reverse("lending:line_limit", args=[line.public_id]),
        {"limit-new_limit": "1.234", "limit-reason": "x"},
    )
    assert response.status_code == 422
    assert not MakerCheckerRequest.objects.exists()


def test_maker_cannot_decide_on_the_page(both, line, db, django_user_model):
    proposal = lines.propose_limit_change(
        actor=both, line_id=line.public_id, new_limit=1_000_000, reason="mine"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(django_user_model.objects.get(pk=both.user_pk))
    response = client.post(
        reverse("lending:request_decide", args=[proposal.public_id]), {"decision": "approve"}
    )
    assert response.status_code == 422
    assert MakerCheckerRequest.objects.get(pk=proposal.pk).status == "pending"


def test_line_list_and_page(ops_client, line, loan):
    assert line.public_id in ops_client.get(reverse("lending:lines")).content.decode()
    html = ops_client.get(reverse("lending:line", args=[line.public_id])).content.decode()
    assert loan.public_id in html and "APR up to" in html


def test_a_manual_posting_is_approved_on_the_requests_page(ops, checker_client, loan, settings):
    settings.MANUAL_POSTING_APPROVAL_THRESHOLD = "100.00"
    posting = manual_postings.record_manual_posting(
        actor=ops,
        loan_id=loan.public_id,
        kind="repayment",
        amount=50_000,
        channel="icbc",
        bank_reference="TX-PAGE",
        reason="counter payment",
    )
    page = checker_client.get(reverse("lending:requests")).content.decode()
    assert "TX-PAGE" in page and "500.00" in page
    decided = checker_client.post(
        reverse("lending:request_decide", args=[posting.request.public_id]),
        {"decision": "approve"},
    )
    assert decided.status_code == 302
    posting.refresh_from_db()
    assert posting.status == "posted" and posting.transaction_id


@pytest.mark.parametrize(
    ("language", "kind_shown"), [("en", "Line opening"), ("zh-hans", "开立额度")]
)
def test_a_line_opening_is_approved_on_the_requests_page(
    ops, checker_user, product_version, today, language, kind_shown
):
    customer = ensure_customer("cust_page_line")
    proposal = lines.propose_line_opening(
        actor=ops,
        customer_id=customer.public_id,
        product_version_id=product_version.public_id,
        limit=2_500_000,
        daily_rate=Decimal("0.0004"),
        reason="branch referral",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(checker_user)
    page = client.get(reverse("lending:requests")).content.decode()
    assert kind_shown in page and "25,000.00" in page and customer.public_id in page
    assert "line_opening" not in page.replace(proposal.public_id, "")
    decided = client.post(
        reverse("lending:request_decide", args=[proposal.public_id]), {"decision": "approve"}
    )
    assert decided.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert CreditLine.objects.get(pk=proposal.line_id).customer_id == customer.public_id


def test_write_off_asks_first_and_changes_nothing_until_confirmed(ops_client, loan):
    url = reverse("lending:loan_writeoff", args=[loan.public_id])
    asked = ops_client.post(url, {"writeoff-reason": "uncollectable"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "Propose writing off loan" in body
    assert "uncollectable" in body and not MakerCheckerRequest.objects.exists()
    done = ops_client.post(url, {"writeoff-reason": "uncollectable", "confirmed": "1"})
    assert done.status_code == 302 and MakerCheckerRequest.objects.count() == 1
