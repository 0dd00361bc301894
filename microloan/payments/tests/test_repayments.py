"""Borrower-initiated repayments through the bank, and the end-of-day auto-debit (issue #6)."""

from __future__ import annotations

import pytest
from django.test import Client

from microloan.accounts.testing import bearer, make_borrower_token, make_staff
from microloan.batch.registry import Partition, StepContext
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict
from microloan.kernel.services import get_business_date
from microloan.lending.models import Instalment, Loan, LoanTransaction, ManualPosting
from microloan.lending.services import manual_postings
from microloan.lending.tests import helpers
from microloan.payments.channels import simulator
from microloan.payments.models import PaymentOrder, SimulatedBankPayment
from microloan.payments.services import autodebit
from microloan.payments.services.sweep import process_orders

pytestmark = pytest.mark.django_db
Kind = PaymentOrder.Kind


@pytest.fixture
def loan(ops, line):
    return helpers.active_loan(line, amount=1_200_000, term=5)


def repay_url(loan) -> str:
    return f"/api/v1/payments/me/loans/{loan.public_id}/repayments"


def post_repayment(loan, body, *, key="rep-1", customer=None):
    headers = bearer(make_borrower_token(customer or loan.customer_id))
    return Client().post(
        repay_url(loan),
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def test_borrower_repayment_goes_through_the_bank_and_posts_once(
    loan, django_capture_on_commit_callbacks, ledger
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_repayment(loan, {"amount": "500.00"})
    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["kind"] == "collection" and reply["amount"] == "500.00" and "*" in reply["card"]
    order = PaymentOrder.objects.get(public_id=reply["id"])
    assert order.status == "succeeded"
    txn = LoanTransaction.objects.get(source_ref=order.public_id)
    assert txn.kind == "repayment" and txn.amount == 50_000 and order.posted_ref == txn.public_id
    # The same request again replays; a new key is a new repayment.
    with django_capture_on_commit_callbacks(execute=True):
        again = post_repayment(loan, {"amount": "500.00"})
    assert again.status_code == 201 and again.json()["id"] == order.public_id
    assert PaymentOrder.objects.filter(kind=Kind.COLLECTION).count() == 1
    assert ledger.balanced()


def test_duplicate_bank_answer_on_a_repayment_posts_once(loan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_repayment(loan, {"amount": "500.93"})  # ..93: two callbacks
    order = PaymentOrder.objects.get(public_id=response.json()["id"])
    assert order.status == "succeeded"
    assert LoanTransaction.objects.filter(source_ref=order.public_id).count() == 1
    assert order.events.filter(kind="duplicate_callback").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "amount"),
        ({"amount": "0"}, 422, "amount"),
        ({"amount": "0.00"}, 422, "amount"),
        ({"amount": "-5.00"}, 422, "amount"),
        ({"amount": "1.234"}, 422, "amount"),
        ({"amount": "abc"}, 422, "amount"),
        ({"amount": 100.5}, 422, "amount"),
        # The old integer-fen form is refused, naming the field: 100 is not ¥1.00 any more.
        ({"amount": 100}, 422, "amount"),
        ({"amount": "100.00", "extra": 1}, 422, "extra"),
        ({"amount": "9999999999.99"}, 422, "amount"),
    ],
)
def test_bad_repayment_input_is_refused_and_nothing_stored(loan, body, status, field):
    response = post_repayment(loan, body)
    assert response.status_code == status, response.content
    assert field in str(response.json()["fields"])
    assert not PaymentOrder.objects.filter(kind=Kind.COLLECTION).exists()


def test_amount_above_what_the_loan_owes_is_refused(loan):
    response = post_repayment(loan, {"amount": "15000.00"})
    assert response.status_code == 422 and response.json()["code"] == "amount_above_owed"
    assert not PaymentOrder.objects.filter(kind=Kind.COLLECTION).exists()


def test_another_borrowers_loan_is_not_found(loan):
    response = post_repayment(loan, {"amount": "500.00"}, customer="cus_someone_else")
    assert response.status_code == 404
    assert (
        not PaymentOrder.objects.exists()
        or not PaymentOrder.objects.filter(kind=Kind.COLLECTION).exists()
    )


def test_my_orders_lists_only_mine(loan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_repayment(loan, {"amount": "500.00"})
    mine = Client().get(
        "/api/v1/payments/me/orders", **bearer(make_borrower_token(loan.customer_id))
    )
    assert mine.status_code == 200 and mine.json()["total"] == 1
    other = Client().get("/api/v1/payments/me/orders", **bearer(make_borrower_token("cus_other")))
    assert other.json()["total"] == 0


# --- auto-debit ----------------------------------------------------------------------------


def ctx_for(day) -> StepContext:
    return StepContext(
        run_id="run_test",
        business_date=day,
        actor=Actor.system("eod"),
        partition=Partition(index=0, lo=0, hi=2**63 - 1),
    )


def test_auto_debit_on_the_due_date_orders_what_is_due_and_posts_it(loan, ledger):
    first = loan.instalments.order_by("number").first()
    helpers.advance((first.due_date - get_business_date()).days + 1)  # EOD(due date) ran
    orders = PaymentOrder.objects.filter(kind=Kind.AUTO_DEBIT)
    assert orders.count() == 1
    order = orders.get()
    assert order.loan_id == loan.public_id and order.business_date == first.due_date
    assert order.amount == first.principal + first.interest
    assert order.status == "created" and order.purpose_key == f"auto_debit:{first.due_date}"
    # Rerunning the hook for that date adds nothing.
    assert autodebit.create_auto_debit_orders(ctx_for(first.due_date)) == 0
    assert orders.count() == 1
    # The sweep sends it after end of day; the bank pays; the instalment is paid.
    process_orders()
    order.refresh_from_db()
    assert order.status == "succeeded"
    assert Instalment.objects.get(pk=first.pk).status == Instalment.Status.PAID
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.overdue_principal == loan.overdue_interest == 0
    assert ledger.balanced()


def test_failed_auto_debit_leaves_the_instalment_overdue(loan):
    first = loan.instalments.order_by("number").first()
    helpers.advance((first.due_date - get_business_date()).days + 1)
    order = PaymentOrder.objects.get(kind=Kind.AUTO_DEBIT)
    simulator.instruct(order.public_id, "fail")
    process_orders()
    order.refresh_from_db()
    assert order.status == "failed" and order.failure_code == "insufficient_funds"
    assert Loan.objects.get(pk=loan.pk).overdue_principal == first.principal
    assert Instalment.objects.get(pk=first.pk).status == Instalment.Status.DUE
    assert SimulatedBankPayment.objects.count() == 1


def test_no_auto_debit_before_the_due_date_or_when_nothing_is_due(loan, ops, line):
    first = loan.instalments.order_by("number").first()
    helpers.advance((first.due_date - get_business_date()).days - 1)
    assert not PaymentOrder.objects.filter(kind=Kind.AUTO_DEBIT).exists()
    # Paid ahead: on the due date nothing is due, so nothing is debited.
    from microloan.lending.services import repayments

    repayments.repay(
        actor=helpers.BANK,  # a transfer the bank reported
        loan_id=loan.public_id,
        amount=first.principal + first.interest + 10_000,
        business_date=get_business_date(),
        source_ref="test:prepaid",
    )
    helpers.run_eod(1)
    assert not PaymentOrder.objects.filter(kind=Kind.AUTO_DEBIT).exists()


def test_money_an_order_received_is_not_posted_again_by_hand(
    loan, django_capture_on_commit_callbacks, ledger
):
    """Staff typing the bank reference of a paid repayment order into a manual posting would
    post the same bank money twice: refused, naming the order, and nothing posted."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_repayment(loan, {"amount": "500.00"})
    order = PaymentOrder.objects.get(public_id=response.json()["id"])
    assert order.status == "succeeded" and order.channel_ref
    before = ledger.state()
    clerk = Actor.from_user(make_staff(role="operations", username="ops_manual"))
    with pytest.raises(Conflict) as refused:
        manual_postings.record_manual_posting(
            actor=clerk,
            loan_id=loan.public_id,
            kind="repayment",
            amount=50_000,
            channel="another-bank-name",
            bank_reference=order.channel_ref,
            reason="customer says they paid",
        )
    assert refused.value.code == "bank_reference_of_order"
    assert refused.value.fields["order_id"] == order.public_id
    assert not ManualPosting.objects.exists()
    assert ledger.state() == before
