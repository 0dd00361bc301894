"""Staff-recorded bank receipts over HTTP: a bank reference is required and posts once, above
the threshold a different person approves, and nobody without the permission records one."""

from __future__ import annotations

import json

import pytest

from microloan.accounts import roles
from microloan.accounts.models import StaffUser
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.audit.models import AuditRecord
from microloan.kernel.money import to_yuan_str
from microloan.lending.models import Loan, LoanTransaction, MakerCheckerRequest, ManualPosting
from microloan.lending.services import quotes

from . import helpers
from .conftest import CUSTOMER

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.lending.tests.urls")]

BASE = "/api/v1/lending"
_keys = iter(range(1, 10**6))


def post(client, path, body, headers):
    return client.post(
        BASE + path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"key-{next(_keys)}",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def headers_of(actor_or_user) -> dict:
    user = (
        actor_or_user
        if isinstance(actor_or_user, StaffUser)
        else StaffUser.objects.get(pk=actor_or_user.user_pk)
    )
    return bearer(make_staff_token(user))


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.MANUAL_POSTING_APPROVAL_THRESHOLD = "1000.00"


@pytest.fixture
def loan(line):
    return helpers.active_loan(line, amount=1_200_000)


def receipt(**changes) -> dict:
    return {
        "kind": "repayment",
        "amount": "500.00",
        "channel": "icbc",
        "bank_reference": "TX-0001",
        "reason": "transfer to the collection account",
    } | changes


def record(client, loan, headers, **changes):
    return post(client, f"/loans/{loan.public_id}/manual-postings", receipt(**changes), headers)


def test_below_the_threshold_it_posts_at_once(client, ops, loan, ledger):
    response = record(client, loan, headers_of(ops))
    assert response.status_code == 201, response.content
    reply = response.json()
    assert (reply["status"], reply["amount"], reply["request_id"]) == ("posted", "500.00", None)
    txn = LoanTransaction.objects.get(public_id=reply["transaction_id"])
    assert (txn.kind, txn.amount, txn.source_ref) == ("repayment", 50_000, "bank:icbc:TX-0001")
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"loan.manual_posting_recorded", "loan.manual_posting_posted"} <= actions
    assert ledger.balanced()


def test_above_the_threshold_a_different_person_approves(client, ops, checker, loan, ledger):
    before = ledger.state()
    response = record(client, loan, headers_of(ops), amount="1000.01")
    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["status"] == "pending" and reply["request_id"]
    assert ledger.state() == before  # nothing posts before the approval
    # The maker cannot approve their own, whatever permissions they hold.
    own = post(client, f"/requests/{reply['request_id']}/approve", {}, headers_of(ops))
    assert own.status_code == 403
    approved = post(client, f"/requests/{reply['request_id']}/approve", {}, headers_of(checker))
    assert approved.status_code == 200, approved.content
    posting = ManualPosting.objects.get(public_id=reply["id"])
    assert posting.status == "posted" and posting.transaction_id
    assert "loan.manual_posting_posted" in AuditRecord.objects.values_list("action", flat=True)
    assert ledger.balanced()


def test_the_maker_never_approves_their_own_posting(client, both, loan, ledger):
    headers = headers_of(both)
    request_id = record(client, loan, headers, amount="2000.00").json()["request_id"]
    before = ledger.state()
    response = post(client, f"/requests/{request_id}/approve", {}, headers)
    assert (response.status_code, response.json()["code"]) == (422, "maker_cannot_approve")
    assert ledger.state() == before
    assert MakerCheckerRequest.objects.get(public_id=request_id).status == "pending"


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"bank_reference": ""}, 422, "validation_failed", "bank_reference"),
        ({"bank_reference": "   "}, 422, "invalid_bank_reference", "bank_reference"),
        ({"channel": ""}, 422, "validation_failed", "channel"),
        ({"amount": "0"}, 422, "invalid_amount", "amount"),
        ({"amount": 500}, 422, "validation_failed", "amount"),
        ({"kind": "gift"}, 422, "validation_failed", "kind"),
        ({"mode": "shorten_term"}, 422, "invalid_mode", "mode"),  # a repayment has no mode
        ({"kind": "payoff", "amount": "100.00"}, 422, "amount_below_payoff", "amount"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(
    client, ops, loan, ledger, changes, status, code, field
):
    payload = receipt(**changes)
    before = ledger.state()
    response = post(client, f"/loans/{loan.public_id}/manual-postings", payload, headers_of(ops))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert ledger.state() == before
    assert not ManualPosting.objects.exists()


def test_missing_bank_reference_is_refused(client, ops, loan):
    body = receipt()
    del body["bank_reference"]
    response = post(client, f"/loans/{loan.public_id}/manual-postings", body, headers_of(ops))
    assert response.status_code == 422 and "bank_reference" in response.json()["fields"]
    assert not ManualPosting.objects.exists()


def test_the_same_bank_money_posts_once(client, ops, checker, loan, ledger):
    assert record(client, loan, headers_of(ops)).status_code == 201
    after_first = ledger.state()
    again = record(client, loan, headers_of(ops), amount="400.00")
    assert (again.status_code, again.json()["code"]) == (409, "bank_reference_used")
    assert again.json()["fields"]["bank_reference"] == "TX-0001"
    assert ledger.state() == after_first
    # Another channel's reference of the same text is other money.
    assert record(client, loan, headers_of(ops), channel="ccb").status_code == 201
    # A rejected posting frees its reference for a corrected one.
    pending = record(client, loan, headers_of(ops), bank_reference="TX-2", amount="3000.00")
    request_id = pending.json()["request_id"]
    rejected = post(client, f"/requests/{request_id}/reject", {}, headers_of(checker))
    assert rejected.status_code == 200, rejected.content
    assert ManualPosting.objects.get(public_id=pending.json()["id"]).status == "rejected"
    retried = record(client, loan, headers_of(ops), bank_reference="TX-2", amount="30.00")
    assert retried.status_code == 201 and retried.json()["status"] == "posted"


def test_a_prepayment_and_a_payoff_post_through_their_services(client, ops, checker, loan, today):
    prepaid = record(
        client,
        loan,
        headers_of(ops),
        kind="prepayment",
        amount="900.00",
        mode="shorten_term",
        bank_reference="TX-P",
    )
    assert prepaid.status_code == 201, prepaid.content
    assert LoanTransaction.objects.get(public_id=prepaid.json()["transaction_id"]).kind == (
        "prepayment"
    )
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
    paid = record(
        client,
        loan,
        headers_of(ops),
        kind="payoff",
        amount=to_yuan_str(quote.total),
        bank_reference="TX-Q",
    )
    request_id = paid.json()["request_id"]
    approved = post(client, f"/requests/{request_id}/approve", {}, headers_of(checker))
    assert approved.status_code == 200, approved.content
    assert Loan.objects.get(pk=loan.pk).status == "paid_off"


def test_a_borrower_token_is_refused(client, loan, ledger):
    response = record(client, loan, bearer(make_borrower_token(CUSTOMER)))
    assert response.status_code in (401, 403)
    assert not ManualPosting.objects.exists()


WITHOUT_THE_PERMISSION = [r for r in roles.ROLES if r not in (roles.OPERATIONS, roles.ADMIN)]


@pytest.mark.parametrize("role", WITHOUT_THE_PERMISSION)
def test_each_role_without_the_permission_is_refused(client, loan, ledger, role):
    user = make_staff(role=role)
    before = ledger.state()
    response = record(client, loan, headers_of(user))
    assert response.status_code == 403, (role, response.content)
    assert ledger.state() == before and not ManualPosting.objects.exists()
    assert Loan.objects.get(pk=loan.pk).status == "active"
