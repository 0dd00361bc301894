"""A borrower's prepayment and payoff, and staff refunds: payment orders that move the loan
only when the bank reports them paid; the payoff amount is the server's quote. The lending
borrower routes that posted the caller's amount straight to the ledger are gone (one path:
payments)."""

from __future__ import annotations

import pytest
from django.test import Client

from microloan.accounts import roles
from microloan.accounts.testing import bearer, make_borrower_token, make_staff, make_staff_token
from microloan.kernel.services import get_business_date
from microloan.lending.models import Loan, LoanTransaction
from microloan.lending.services import quotes
from microloan.lending.tests import helpers
from microloan.payments.channels import simulator
from microloan.payments.models import PaymentOrder
from microloan.payments.services import orders
from microloan.payments.services.sweep import process_orders

pytestmark = pytest.mark.django_db
Kind = PaymentOrder.Kind
_keys = iter(range(1, 10**6))


@pytest.fixture
def loan(line):
    return helpers.active_loan(line, amount=1_200_000, term=5)


def post(loan, route, body, *, customer=None, key=None, prefix="/api/v1/payments"):
    return Client().post(
        f"{prefix}/me/loans/{loan.public_id}/{route}",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or f"key-{next(_keys)}",
        **bearer(make_borrower_token(customer or loan.customer_id)),
    )


def fresh(loan) -> Loan:
    return Loan.objects.get(pk=loan.pk)


@pytest.mark.parametrize("route", ["repayments", "prepayments", "payoff"])
def test_the_old_lending_routes_no_longer_post_the_callers_amount(loan, ledger, route):
    before = ledger.state()
    response = post(loan, route, {"amount": "12000.00"}, prefix="/api/v1/lending")
    assert response.status_code in (404, 405)
    assert ledger.state() == before and fresh(loan).status == Loan.Status.ACTIVE
    assert not LoanTransaction.objects.exclude(kind="disbursement").exists()


def test_payoff_is_the_servers_quote_and_closes_the_loan_when_the_bank_pays(
    loan, ledger, django_capture_on_commit_callbacks
):
    quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=get_business_date())
    with django_capture_on_commit_callbacks(execute=True):
        # Whatever the caller says, only the quote is debited: the body takes no amount.
        lying = post(loan, "payoff", {"amount": "0.01"})
        response = post(loan, "payoff", {})
    assert lying.status_code == 422 and "amount" in str(lying.json()["fields"])
    assert response.status_code == 201, response.content
    reply = response.json()
    assert (reply["kind"], reply["amount"]) == ("payoff", "12000.00")
    order = PaymentOrder.objects.get(public_id=reply["id"])
    assert order.amount == quote.total and order.status == "succeeded"
    txn = LoanTransaction.objects.get(source_ref=order.public_id)
    assert txn.kind == "payoff" and order.posted_ref == txn.public_id
    assert fresh(loan).status == Loan.Status.PAID_OFF
    assert ledger.balanced()


def test_nothing_moves_until_the_bank_answers(loan, ledger, settings):
    settings.PAYMENTS_DISPATCH = "sweep"  # created, not sent: no bank result yet
    before = ledger.state()
    response = post(loan, "payoff", {})
    assert response.status_code == 201 and response.json()["status"] == "created"
    assert fresh(loan).status == Loan.Status.ACTIVE and ledger.state() == before
    process_orders()  # sends; the simulated bank answers at once
    assert fresh(loan).status == Loan.Status.PAID_OFF


def test_a_failed_payoff_debit_leaves_the_loan_as_it_was(loan, ledger, settings):
    settings.PAYMENTS_DISPATCH = "sweep"
    before = ledger.state()
    order_id = post(loan, "payoff", {}).json()["id"]
    simulator.instruct(order_id, "fail")
    process_orders()
    assert PaymentOrder.objects.get(public_id=order_id).status == "failed"
    assert fresh(loan).status == Loan.Status.ACTIVE and ledger.state() == before


def test_prepayment_with_its_mode_posts_when_the_bank_pays(
    loan, ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(loan, "prepayments", {"amount": "6000.00", "mode": "lower_instalment"})
    assert response.status_code == 201, response.content
    reply = response.json()
    assert (reply["kind"], reply["amount"], reply["prepayment_mode"]) == (
        "prepayment",
        "6000.00",
        "lower_instalment",
    )
    txn = LoanTransaction.objects.get(source_ref=reply["id"])
    assert txn.kind == "prepayment"
    after = fresh(loan)
    assert after.principal_outstanding == 600_000 and after.term_months == 5
    assert ledger.balanced()


def test_a_prepayment_lending_no_longer_takes_posts_as_a_repayment(
    loan, django_capture_on_commit_callbacks
):
    """The bank paid, so the money is the borrower's: when the prepayment itself is refused
    at posting time (here: it does not reach past the interest accrued), it is applied as a
    repayment."""
    helpers.advance(3)
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.create_prepayment_order(
            actor=helpers.Actor.borrower(loan.customer_id),
            loan_id=loan.public_id,
            amount=1,
            purpose_key="test:tiny",
        )
    order.refresh_from_db()
    assert order.status == "succeeded" and not order.posting_error
    assert LoanTransaction.objects.get(source_ref=order.public_id).kind == "repayment"
    assert order.events.filter(kind="posting_refused").exists()


@pytest.mark.parametrize(
    ("route", "body", "status", "field"),
    [
        ("prepayments", {"amount": 600000}, 422, "amount"),  # integer fen: the old form
        ("prepayments", {"amount": "1.234"}, 422, "amount"),
        ("prepayments", {"amount": "100.00", "mode": "sideways"}, 422, "mode"),
        ("prepayments", {"amount": "15000.00"}, 422, "amount"),  # more than it owes
        ("payoff", {"amount": "12000.00"}, 422, "amount"),  # the quote is not the caller's
    ],
)
def test_bad_prepayment_and_payoff_input_stores_nothing(loan, ledger, route, body, status, field):
    before = ledger.state()
    response = post(loan, route, body)
    assert response.status_code == status, response.content
    assert field in str(response.json()["fields"])
    assert not PaymentOrder.objects.exclude(kind=Kind.DISBURSEMENT).exists()
    assert ledger.state() == before


@pytest.mark.parametrize("route", ["repayments", "prepayments", "payoff"])
def test_another_borrowers_loan_is_not_found(loan, route):
    body = {} if route == "payoff" else {"amount": "100.00"}
    response = post(loan, route, body, customer="cus_someone_else")
    assert response.status_code == 404 and response.json()["code"] == "loan_not_found"
    assert not PaymentOrder.objects.exclude(kind=Kind.DISBURSEMENT).exists()


@pytest.mark.parametrize("route", ["repayments", "prepayments", "payoff"])
def test_a_closed_loan_takes_no_order(loan, ledger, route):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.WRITTEN_OFF)
    body = {} if route == "payoff" else {"amount": "10.00"}
    response = post(loan, route, body)
    assert response.status_code == 409 and response.json()["code"] == "loan_not_repayable"
    assert not PaymentOrder.objects.exclude(kind=Kind.DISBURSEMENT).exists()


# --- refunds of held overpayments: an order out to the card, posted on the bank's result ---


def post_refund(loan, amount, user, key="refund-1"):
    return Client().post(
        f"/api/v1/payments/loans/{loan.public_id}/refunds",
        data={"amount": amount},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **bearer(make_staff_token(user)),
    )


def test_a_refund_is_an_order_and_posts_when_the_bank_pays(
    loan, ledger, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(loan, "repayments", {"amount": "300.00"})  # held: nothing is due yet
    assert fresh(loan).unapplied_balance == 30_000
    operations = make_staff(role=roles.OPERATIONS)
    too_much = post_refund(loan, "300.01", operations, key="r0")
    assert (too_much.status_code, too_much.json()["code"]) == (422, "amount_above_unapplied")
    settings.PAYMENTS_DISPATCH = "sweep"
    response = post_refund(loan, "200.00", operations)
    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["amount"]) == ("refund", "200.00")
    assert fresh(loan).unapplied_balance == 30_000  # not before the bank pays
    # What an open refund order takes is not refundable twice.
    again = post_refund(loan, "200.00", operations, key="r2")
    assert (again.status_code, again.json()["code"]) == (422, "amount_above_unapplied")
    process_orders()
    order = PaymentOrder.objects.get(public_id=response.json()["id"])
    assert order.status == "succeeded" and order.direction == "out"
    assert fresh(loan).unapplied_balance == 10_000
    assert LoanTransaction.objects.get(source_ref=order.public_id).kind == "refund"
    assert ledger.balanced()


WITHOUT_REFUND = [r for r in roles.ROLES if r not in (roles.OPERATIONS, roles.ADMIN)]


@pytest.mark.parametrize("role", WITHOUT_REFUND)
def test_a_refund_needs_both_permissions(loan, role):
    response = post_refund(loan, "1.00", make_staff(role=role))
    assert response.status_code == 403, (role, response.content)
    assert not PaymentOrder.objects.filter(kind=Kind.REFUND).exists()
