"""The lending API over HTTP: shapes, permissions, idempotency, and bad input (4xx with code and
field, nothing posted)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from microloan.accounts.models import StaffUser
from microloan.accounts.testing import bearer, make_borrower_token, make_staff_token
from microloan.customers.models import Customer
from microloan.customers.testing import ensure_customer
from microloan.lending.models import CreditLine, Loan, MakerCheckerRequest
from microloan.lending.services import lines, writeoff

from . import helpers
from .conftest import CUSTOMER, OTHER_CUSTOMER

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.lending.tests.urls")]

BASE = "/api/v1/lending"
_keys = iter(range(1, 10**6))


def post(client, path, body, headers, key=None):
    return client.post(
        BASE + path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or f"key-{next(_keys)}",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def get(client, path, headers, **params):
    return client.get(BASE + path, params, HTTP_ACCEPT_LANGUAGE="en", **headers)


def assert_refused(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in body["fields"], body
    return body


@pytest.fixture(autouse=True)
def registered(db):
    """The test borrowers exist: a line opens only for a registered customer."""
    ensure_customer(CUSTOMER)
    ensure_customer(OTHER_CUSTOMER)


@pytest.fixture
def ops_headers(ops_user):
    return bearer(make_staff_token(ops_user))


@pytest.fixture
def checker_headers(checker_user):
    return bearer(make_staff_token(checker_user))


@pytest.fixture
def me():
    return bearer(make_borrower_token(CUSTOMER))


@pytest.fixture
def stranger():
    return bearer(make_borrower_token(OTHER_CUSTOMER))


@pytest.fixture
def loan(ops, line):
    return helpers.active_loan(line, amount=1_200_000)


def test_a_line_opens_only_when_a_second_person_approves(
    client, ops_headers, checker_headers, me, product_version, today
):
    body = {
        "customer_id": CUSTOMER,
        "product_version_id": product_version.public_id,
        "limit": "30000.00",
        "daily_rate": "0.0004",
        "grade": "D",
        "reason": "Pre-approved by the branch",
    }
    response = post(client, "/lines", body, ops_headers, key="same")
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert (proposal["kind"], proposal["status"], proposal["line_id"]) == (
        "line_opening",
        "pending",
        None,
    )
    assert proposal["params"]["limit"] == "30000.00"
    assert not CreditLine.objects.exists()  # one person's word opens nothing
    again = post(client, "/lines", body, ops_headers, key="same")
    assert again.json() == proposal and again["Idempotent-Replayed"] == "true"
    duplicate = post(client, "/lines", body, ops_headers)
    assert_refused(duplicate, 409, "request_already_pending", "customer_id")

    path = f"/requests/{proposal['id']}/approve"
    assert_refused(post(client, path, {"reason": "ok"}, me), 401, "not_authenticated")
    assert not CreditLine.objects.exists()
    approved = post(client, path, {"reason": "Checked"}, checker_headers)
    assert approved.status_code == 200, approved.content
    line_id = approved.json()["line_id"]
    assert approved.json()["status"] == "approved" and line_id
    reply = get(client, f"/lines/{line_id}", ops_headers).json()
    assert list(reply)[:3] == ["apr", "apr_percent", "daily_rate"]
    assert (reply["limit"], reply["available"], reply["daily_rate"]) == (
        "30000.00",
        "30000.00",
        "0.0004",
    )
    assert reply["apr"].startswith("0.1")
    assert CreditLine.objects.count() == 1


def test_the_maker_cannot_approve_their_own_line_opening(
    client, ops_headers, both, product_version, today
):
    proposal = lines.propose_line_opening(
        actor=both,
        customer_id=CUSTOMER,
        product_version_id=product_version.public_id,
        limit=3_000_000,
        daily_rate=Decimal("0.0004"),
        reason="r",
    )
    own = bearer(make_staff_token(StaffUser.objects.get(pk=both.user_pk)))
    refused = post(client, f"/requests/{proposal.public_id}/approve", {"reason": "x"}, own)
    assert_refused(refused, 422, "maker_cannot_approve")
    assert not CreditLine.objects.exists()


def test_a_rejected_line_opening_opens_nothing(
    client, ops_headers, checker_headers, product_version, today
):
    body = {
        "customer_id": CUSTOMER,
        "product_version_id": product_version.public_id,
        "limit": "30000.00",
        "daily_rate": "0.0004",
        "reason": "r",
    }
    proposal = post(client, "/lines", body, ops_headers).json()
    rejected = post(client, f"/requests/{proposal['id']}/reject", {"reason": "no"}, checker_headers)
    assert rejected.json()["status"] == "rejected"
    assert not CreditLine.objects.exists()
    assert post(client, "/lines", body, ops_headers).status_code == 201  # may be asked again


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"limit": "1.234"}, 422, "invalid_amount", "limit"),
        ({"limit": "-5"}, 422, "invalid_amount", "limit"),
        ({"daily_rate": "0.0009"}, 422, "rate_out_of_range", "daily_rate"),
        ({"daily_rate": "abc"}, 422, "invalid_rate", "daily_rate"),
        ({"limit": "200000.01"}, 422, "limit_above_product_maximum", "limit"),
        ({"colour": "red"}, 422, "validation_failed", "colour"),
        ({"reason": ""}, 422, "validation_failed", "reason"),
    ],
)
def test_open_line_bad_input(
    client, ops_headers, product_version, today, change, status, code, field
):
    body = {
        "customer_id": CUSTOMER,
        "product_version_id": product_version.public_id,
        "limit": "30000.00",
        "daily_rate": "0.0004",
        "reason": "r",
    } | change
    assert_refused(post(client, "/lines", body, ops_headers), status, code, field)
    assert not CreditLine.objects.exists()
    assert not MakerCheckerRequest.objects.exists()


def test_staff_routes_need_permissions(client, checker_headers, me, product_version, line):
    response = post(client, "/lines", {}, checker_headers)
    assert_refused(response, 403, "permission_denied")
    assert_refused(get(client, "/lines", me), 401, "not_authenticated")


def test_drawdown_waits_for_the_bank_and_no_route_moves_money(
    client, me, ops_headers, line, today, ledger
):
    drawn = post(
        client,
        "/me/drawdowns",
        {"line_id": line.public_id, "amount": "10000.00", "term_months": 5, "method": "bullet"},
        me,
    )
    assert drawn.status_code == 201, drawn.content
    loan_id = drawn.json()["id"]
    assert drawn.json()["status"] == "pending_disbursement"
    before = ledger.state()
    # Gone: a staff "disburse" without a bank result, and the borrower's direct postings
    # (they are payment orders now: /api/v1/payments/me/loans/{id}/...).
    assert post(client, f"/loans/{loan_id}/disburse", {}, ops_headers).status_code == 404
    for route in ("repayments", "prepayments", "payoff"):
        response = post(client, f"/me/loans/{loan_id}/{route}", {"amount": "12.34"}, me)
        assert response.status_code == 404
    assert ledger.state() == before
    assert Loan.objects.get(public_id=loan_id).status == "pending_disbursement"
    schedule = get(client, f"/me/loans/{loan_id}/schedule", me).json()
    assert schedule["apr"] and len(schedule["instalments"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "20000.01"}, 422, "amount_above_available"),
        ({"amount": "499.99"}, 422, "amount_below_minimum"),
        ({"term_months": 7}, 422, "term_not_allowed"),
        ({"method": "balloon"}, 422, "validation_failed"),
        ({"amount": "1.234"}, 422, "invalid_amount"),
    ],
)
def test_drawdown_bad_input(client, me, ops, product_version, today, ledger, body, status, code):
    line = helpers.open_line(ops, product_version, limit=2_000_000)
    payload = {
        "line_id": line.public_id,
        "amount": "1000.00",
        "term_months": 5,
        "method": "equal_instalment",
    } | body
    field = next(iter(body))
    before = ledger.state()
    assert_refused(post(client, "/me/drawdowns", payload, me), status, code, field)
    assert not Loan.objects.exists()
    assert CreditLine.objects.get(pk=line.pk).used == 0
    assert ledger.state() == before


def test_drawdown_rate_outside_the_product(client, me, line):
    CreditLine.objects.filter(pk=line.pk).update(daily_rate="0.0006")
    payload = {"line_id": line.public_id, "amount": "1000.00", "term_months": 5, "method": "bullet"}
    assert_refused(
        post(client, "/me/drawdowns", payload, me), 422, "rate_out_of_range", "daily_rate"
    )


def test_drawdown_on_someone_elses_line_is_404(client, stranger, line):
    payload = {"line_id": line.public_id, "amount": "1000.00", "term_months": 5, "method": "bullet"}
    assert_refused(post(client, "/me/drawdowns", payload, stranger), 404, "line_not_found")
    assert not Loan.objects.exists()


def test_other_borrowers_loan_is_404(client, stranger, loan):
    assert_refused(get(client, f"/me/loans/{loan.public_id}", stranger), 404, "loan_not_found")
    response = get(client, f"/me/loans/{loan.public_id}/payoff-quote", stranger)
    assert_refused(response, 404, "loan_not_found")


def test_payoff_quote(client, me, loan):
    quote = get(client, f"/me/loans/{loan.public_id}/payoff-quote", me).json()
    assert quote["total"] == "12000.00" and quote["apr"]


def test_limit_change_maker_checker_over_http(client, ops_headers, checker_headers, line):
    proposed = post(
        client,
        f"/lines/{line.public_id}/limit-changes",
        {"new_limit": "60000.00", "reason": "good payer"},
        ops_headers,
    )
    assert proposed.status_code == 201, proposed.content
    request_id = proposed.json()["id"]
    assert proposed.json()["params"]["new_limit"] == "60000.00"
    approved = post(client, f"/limit-changes/{request_id}/approve", {}, checker_headers)
    assert approved.status_code == 200, approved.content
    assert CreditLine.objects.get(pk=line.pk).limit == 6_000_000


def test_maker_cannot_approve_over_http(client, both, line, ledger):
    limit_change = lines.propose_limit_change(
        actor=both, line_id=line.public_id, new_limit=6_000_000, reason="mine"
    )
    loan = helpers.active_loan(line, amount=600_000)
    write_off = writeoff.propose_writeoff(actor=both, loan_id=loan.public_id, reason="mine")
    headers = bearer(make_staff_token(StaffUser.objects.get(pk=both.user_pk)))
    before = ledger.state()
    for proposal in (limit_change, write_off):
        response = post(client, f"/requests/{proposal.public_id}/approve", {}, headers)
        assert_refused(response, 422, "maker_cannot_approve", "request_id")
    response = post(client, f"/limit-changes/{limit_change.public_id}/approve", {}, headers)
    assert_refused(response, 422, "maker_cannot_approve", "request_id")
    assert ledger.state() == before
    assert set(MakerCheckerRequest.objects.values_list("status", flat=True)) == {"pending"}
    assert CreditLine.objects.get(pk=line.pk).limit == 5_000_000
    assert Loan.objects.get(pk=loan.pk).status == "active"


def test_freeze_over_http(client, ops_headers, line):
    frozen = post(client, f"/lines/{line.public_id}/freeze", {"reason": "signal"}, ops_headers)
    assert frozen.json()["status"] == "frozen"
    refused = post(client, f"/lines/{line.public_id}/freeze", {"reason": ""}, ops_headers)
    assert_refused(refused, 422, "validation_failed", "reason")


def test_loan_queries(client, ops_headers, loan):
    page = get(client, "/loans", ops_headers, status="active", dpd_min=0).json()
    assert page["total"] == 1 and page["items"][0]["id"] == loan.public_id
    detail = get(client, f"/loans/{loan.public_id}", ops_headers).json()
    assert list(detail)[:3] == ["apr", "apr_percent", "daily_rate"]
    txns = get(client, f"/loans/{loan.public_id}/transactions", ops_headers).json()
    assert [t["kind"] for t in txns["transactions"]] == ["disbursement"]
    quote = get(client, f"/loans/{loan.public_id}/payoff-quote", ops_headers).json()
    assert quote["principal"] == "12000.00"
    reconciliation = get(client, "/reconciliation", ops_headers).json()
    assert reconciliation["ok"] is True and reconciliation["breaks"] == []
    assert_refused(get(client, "/loans", ops_headers, page_size=1000), 422, "validation_failed")


def test_no_line_for_a_customer_who_does_not_exist(client, ops_headers, product_version, today):
    body = {
        "customer_id": "cust_nobody",
        "product_version_id": product_version.public_id,
        "limit": "30000.00",
        "daily_rate": "0.0004",
        "reason": "r",
    }
    assert_refused(
        post(client, "/lines", body, ops_headers), 404, "customer_not_found", "customer_id"
    )
    assert not CreditLine.objects.exists()


def test_no_line_for_a_customer_whose_id_has_expired(client, ops_headers, product_version, today):
    expired = ensure_customer("cust_expired")
    Customer.objects.filter(pk=expired.pk).update(id_expiry=today - dt.timedelta(days=1))
    body = {
        "customer_id": expired.public_id,
        "product_version_id": product_version.public_id,
        "limit": "30000.00",
        "daily_rate": "0.0004",
        "reason": "r",
    }
    response = post(client, "/lines", body, ops_headers)
    assert_refused(response, 422, "customer_id_expired", "customer_id")
    assert not CreditLine.objects.exists()
