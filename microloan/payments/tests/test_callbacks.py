"""The bank's callback endpoint: signature, unknown order, malformed body, duplicates — and
for any sequence of duplicate and late answers, each order posts at most once."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from microloan.lending.models import Loan, LoanTransaction
from microloan.payments.channels import simulator
from microloan.payments.models import PaymentEvent, PaymentOrder
from microloan.payments.services import orders as order_services
from microloan.payments.signing import sign

from .conftest import draw, order_of, sign_contract

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/callbacks/simulator"
SECRET = b"test-callback-secret"


def body_for(order, status="succeeded", **changes) -> bytes:
    data = {
        "order_id": order.public_id,
        "status": status,
        "channel_ref": "BANKREF1",
        "amount": order.amount,
        "failure_code": "" if status != "failed" else "card_invalid",
        **changes,
    }
    return json.dumps(data, sort_keys=True).encode()


def post(body: bytes, signature: str | None = None, url: str = URL):
    headers = {} if signature is None else {"HTTP_X_SIGNATURE": signature}
    return Client().post(url, data=body, content_type="application/json", **headers)


@pytest.fixture
def waiting_order(line, settings):
    """A disbursement order the bank has acknowledged and not answered yet."""
    settings.PAYMENTS_DISPATCH = "sweep"
    loan = draw(line)
    sign_contract(loan)
    order = order_of(loan)
    simulator.instruct(order.public_id, "silent")
    return order_services.send_order(order_id=order.public_id)


def state(order):
    order = PaymentOrder.objects.get(pk=order.pk)
    loan = Loan.objects.get(public_id=order.loan_id)
    posted = LoanTransaction.objects.filter(loan=loan).count()
    return order.status, loan.status, posted, order.events.count()


def test_a_signed_callback_completes_the_order(waiting_order):
    assert waiting_order.status == "pending"
    body = body_for(waiting_order)
    response = post(body, sign(body, SECRET))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "order_id": waiting_order.public_id,
        "status": "succeeded",
        "duplicate": False,
    }
    status, loan_status, posted, _events = state(waiting_order)
    assert (status, loan_status, posted) == ("succeeded", "active", 1)
    event = waiting_order.events.get(kind=PaymentEvent.Kind.CALLBACK)
    assert len(event.payload_sha256) == 64


@pytest.mark.parametrize(
    ("signature", "case"),
    [
        (None, "missing"),
        ("", "empty"),
        ("00" * 32, "wrong"),
        ("not hex at all", "garbage"),
        ("key", "signed with another key"),
    ],
)
def test_bad_signature_is_refused_and_changes_nothing(waiting_order, signature, case):
    body = body_for(waiting_order)
    if signature == "key":
        signature = sign(body, b"another secret")
    before = state(waiting_order)
    response = post(body, signature)
    assert response.status_code == 401, case
    assert response.json()["code"] == "bad_signature"
    assert state(waiting_order) == before


def test_a_body_changed_after_signing_is_refused(waiting_order):
    body = body_for(waiting_order)
    signature = sign(body, SECRET)
    tampered = body_for(waiting_order, status="failed")
    before = state(waiting_order)
    assert post(tampered, signature).status_code == 401
    assert state(waiting_order) == before


def test_unknown_order_is_404_and_nothing_posted(waiting_order):
    body = body_for(waiting_order, order_id="pay_unknown")
    before = state(waiting_order)
    response = post(body, sign(body, SECRET))
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert state(waiting_order) == before


def test_unknown_channel_is_404(waiting_order):
    body = body_for(waiting_order)
    response = post(body, sign(body, SECRET), url="/api/v1/payments/callbacks/otherbank")
    assert response.status_code == 404 and response.json()["code"] == "channel_not_found"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"not json", "body"),
        (b"[]", "body"),
        (json.dumps({"status": "succeeded", "amount": 1}).encode(), "order_id"),
        (json.dumps({"order_id": "pay_x", "status": "done", "amount": 1}).encode(), "status"),
        (json.dumps({"order_id": "pay_x", "status": "failed", "amount": 1.5}).encode(), "amount"),
        (json.dumps({"order_id": "pay_x", "status": "failed", "amount": True}).encode(), "amount"),
    ],
)
def test_malformed_callback_is_422_naming_the_field(waiting_order, raw, field):
    before = state(waiting_order)
    response = post(raw, sign(raw, SECRET))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_callback"
    assert field in response.json()["fields"]
    assert state(waiting_order) == before


def test_amount_different_from_the_order_is_refused(waiting_order):
    body = body_for(waiting_order, amount=waiting_order.amount + 1)
    before = state(waiting_order)
    response = post(body, sign(body, SECRET))
    assert response.status_code == 409 and response.json()["code"] == "amount_mismatch"
    assert state(waiting_order) == before


def test_callback_twice_posts_once(waiting_order):
    body = body_for(waiting_order)
    first = post(body, sign(body, SECRET))
    second = post(body, sign(body, SECRET))
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert state(waiting_order)[:3] == ("succeeded", "active", 1)
    assert waiting_order.events.filter(kind=PaymentEvent.Kind.DUPLICATE_CALLBACK).count() == 1


def test_a_late_failure_after_success_changes_nothing(waiting_order):
    ok = body_for(waiting_order)
    late = body_for(waiting_order, status="failed")
    post(ok, sign(ok, SECRET))
    assert post(late, sign(late, SECRET)).json()["duplicate"] is True
    assert state(waiting_order)[:3] == ("succeeded", "active", 1)


ANSWERS = st.lists(
    st.sampled_from(["succeeded", "failed", "pending", "query"]), min_size=1, max_size=6
)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=ANSWERS, outcome=st.sampled_from(["succeed", "fail"]))
def test_any_sequence_of_answers_posts_each_order_at_most_once(
    line, settings, ledger, answers, outcome
):
    """Whatever mix of callbacks (repeated, contradictory, late) and status queries arrives,
    the order ends in the first final answer and the ledger holds at most one disbursement."""
    settings.PAYMENTS_DISPATCH = "sweep"
    settings.PAYMENTS_SIMULATOR_CALLBACKS = "immediate"
    loan = draw(line, amount=60_000)  # examples share the line: small loans
    sign_contract(loan)
    order = order_of(loan)
    simulator.instruct(order.public_id, "silent" if outcome == "succeed" else "fail")
    if outcome == "fail":
        settings.PAYMENTS_SIMULATOR_CALLBACKS = "deferred"  # the bank's answer comes later
    order_services.send_order(order_id=order.public_id)
    first_final = None
    for answer in answers:
        if answer == "query":
            order_services.query_order_status(actor=order_services.SYSTEM, order_id=order.public_id)
            bank = "succeeded" if outcome == "succeed" else "failed"
        else:
            body = body_for(order, status=answer)
            assert post(body, sign(body, SECRET)).status_code == 200
            bank = answer
        if first_final is None and bank in ("succeeded", "failed"):
            first_final = bank
    order.refresh_from_db()
    disbursements = LoanTransaction.objects.filter(
        loan__public_id=loan.public_id, kind="disbursement"
    ).count()
    assert disbursements == (1 if first_final == "succeeded" else 0)
    assert order.status == (first_final or "pending")
    loan.refresh_from_db()
    expected_loan = {"succeeded": "active", "failed": "cancelled", None: "pending_disbursement"}
    assert loan.status == expected_loan[first_final]
    assert ledger.balanced()
