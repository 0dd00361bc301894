"""Disbursement from "contract.signed" to an active loan through the simulated bank."""

from __future__ import annotations

import pytest
from django.db import transaction

from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.lending.events import LoanCancelled, LoanDisbursed, RepaymentPosted
from microloan.lending.models import CreditLine, Loan, LoanTransaction
from microloan.lending.services import drawdowns, lines
from microloan.payments.channels import simulator
from microloan.payments.events import DisbursementFailed
from microloan.payments.models import (
    OPEN_AT_BANK,
    PaymentEvent,
    PaymentOrder,
    SimulatedBankPayment,
)
from microloan.payments.services import orders as order_services
from microloan.payments.services.sweep import process_orders

from .conftest import draw, order_of, sign_contract

pytestmark = pytest.mark.django_db
Status = PaymentOrder.Status


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def published():
    """Events published during the test, by name."""
    seen: list[tuple[str, dict]] = []

    def record(event):
        seen.append((event.name, event.payload()))

    classes = (LoanDisbursed, DisbursementFailed, LoanCancelled, RepaymentPosted)
    for event_class in classes:
        events.subscribe(event_class, record)
    yield seen
    for event_class in classes:
        events.unsubscribe(event_class, record)


def test_signed_contract_disburses_the_loan_once(line, signed, ledger, published):
    loan = draw(line)
    order = signed(loan)
    assert order.status == Status.SUCCEEDED
    assert order.kind == "disbursement" and order.amount == loan.principal
    assert order.card_masked.startswith("622202") and "*" in order.card_masked
    assert order.posted_ref == loan.public_id and order.attempts == 1
    assert fresh(loan).status == Loan.Status.ACTIVE
    assert [e for e, _ in published] == ["loan.disbursed"]
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["created", "send", "callback", "posted", "ack"]
    assert ledger.balanced()


def test_a_second_contract_signed_creates_no_second_order(line, signed):
    loan = draw(line)
    signed(loan)
    signed(loan)  # the event again: the loan is active now, the order is found, not made
    assert PaymentOrder.objects.filter(loan_id=loan.public_id).count() == 1
    assert SimulatedBankPayment.objects.count() == 1
    assert LoanTransaction.objects.filter(loan=loan, kind="disbursement").count() == 1


def test_same_order_sent_twice_goes_to_the_bank_once(line, signed):
    loan = draw(line)
    order = signed(loan)
    again = order_services.send_order(order_id=order.public_id)
    assert again.status == Status.SUCCEEDED and again.attempts == 1
    assert SimulatedBankPayment.objects.count() == 1


def test_the_contract_transaction_rolling_back_leaves_no_order(line):
    loan = draw(line)
    with pytest.raises(RuntimeError), transaction.atomic():
        sign_contract(loan)
        raise RuntimeError("the contract failed to store")
    assert not PaymentOrder.objects.exists()


def test_failed_disbursement_cancels_the_loan_and_restores_the_line(
    line, signed, ledger, published, django_capture_on_commit_callbacks
):
    available = fresh(line).available
    loan = draw(line, amount=1_200_091)  # ..91: the simulated bank refuses
    assert fresh(line).available == available - 1_200_091
    lines_before = ledger.line_count()
    order = signed(loan)
    assert order.status == Status.FAILED and order.failure_code == "card_invalid"
    assert fresh(loan).status == Loan.Status.CANCELLED
    assert fresh(line).available == available
    assert ledger.line_count() == lines_before
    failed = [payload for name, payload in published if name == "disbursement.failed"]
    assert failed == [
        {
            "customer_id": loan.customer_id,
            "loan_id": loan.public_id,
            "order_id": order.public_id,
            "reason_code": "card_invalid",
        }
    ]


def test_frozen_line_fails_the_order_before_sending_and_cancels_the_loan(
    line, signed, ops, published
):
    loan = draw(line)
    lines.freeze_line(actor=Actor.system("risk"), line_id=line.public_id, reason="early warning")
    assert fresh(line).status == CreditLine.Status.FROZEN
    order = signed(loan)
    assert order.status == Status.FAILED and order.failure_code == "line_frozen"
    assert order.attempts == 0 and not SimulatedBankPayment.objects.exists()
    assert fresh(loan).status == Loan.Status.CANCELLED
    assert ("disbursement.failed") in [name for name, _ in published]


def test_loan_cancelled_before_sending_cancels_the_order(line):
    loan = draw(line)
    sign_contract(loan)  # committed callbacks not run: the order waits
    order = order_of(loan)
    from microloan.lending.services import drawdowns

    drawdowns.cancel_pending_loan(
        actor=Actor.borrower(loan.customer_id), loan_id=loan.public_id, reason="changed my mind"
    )
    # The loan's cancellation cancelled the order the bank never received; sending is a no-op.
    assert fresh(order).status == Status.CANCELLED
    assert fresh(order).failure_code == "loan_cancelled"
    order = order_services.send_order(order_id=order.public_id)
    assert order.status == Status.CANCELLED
    assert not SimulatedBankPayment.objects.exists()


def test_timeout_is_resolved_by_a_status_query_never_a_resend(line, signed, operations, ledger):
    loan = draw(line, amount=1_200_092)  # ..92: the bank books it but the answer is lost
    order = signed(loan)
    assert order.status == Status.SENT
    assert fresh(loan).status == Loan.Status.PENDING_DISBURSEMENT
    # The sweep does not send it again.
    report = process_orders()
    assert report.sent == 0 and SimulatedBankPayment.objects.count() == 1
    order_services.query_order_status(actor=operations, order_id=order.public_id)
    assert fresh(order).status == Status.SUCCEEDED and fresh(order).attempts == 1
    assert fresh(loan).status == Loan.Status.ACTIVE
    kinds = list(fresh(order).events.values_list("kind", flat=True))
    assert "send_error" in kinds and "status_query" in kinds
    assert ledger.balanced()


def test_duplicate_callbacks_post_once(line, signed):
    loan = draw(line, amount=1_200_093)  # ..93: the bank calls back twice
    order = signed(loan)
    assert order.status == Status.SUCCEEDED
    assert LoanTransaction.objects.filter(loan=loan, kind="disbursement").count() == 1
    assert order.events.filter(kind=PaymentEvent.Kind.DUPLICATE_CALLBACK).count() == 1


def test_silent_bank_is_queried_by_the_sweep_after_the_wait(line, signed, settings):
    loan = draw(line)
    sign_contract(loan)
    order = order_of(loan)
    simulator.instruct(order.public_id, "silent")
    settings.PAYMENTS_STATUS_QUERY_AFTER_SECONDS = 0
    report = process_orders()
    assert report.sent == 1
    order = fresh(order)
    # sent, acknowledged, no callback: the same sweep's query (wait 0 s) resolves it
    assert order.status == Status.SUCCEEDED and report.queried == 1
    assert fresh(loan).status == Loan.Status.ACTIVE


def test_bank_never_received_the_order_sends_the_same_id_again(line, settings):
    loan = draw(line)
    sign_contract(loan)
    order = order_of(loan)

    class DownBank(simulator.InProcessSimulator):
        def send_payment(self, instruction):
            from microloan.payments.channels import ChannelUnavailable

            raise ChannelUnavailable("connection refused")

    settings.PAYMENTS_MAX_ATTEMPTS = 2
    order_services.send_order(order_id=order.public_id, channel=DownBank())
    assert fresh(order).status == Status.CREATED and fresh(order).attempts == 1
    order_services.send_order(order_id=order.public_id, channel=DownBank())
    order = fresh(order)
    assert order.status == Status.FAILED and order.failure_code == "not_received"
    assert fresh(loan).status == Loan.Status.CANCELLED


def test_default_dispatch_enqueues_a_task_after_commit_that_sends_the_order(
    line, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from microloan.payments.tasks import send_payment_orders

    settings.PAYMENTS_DISPATCH = "task"
    loan = draw(line)
    with django_capture_on_commit_callbacks(execute=True):
        sign_contract(loan)
    order = order_of(loan)
    assert order.status == Status.CREATED  # nothing sent in the signer's process
    task = DBTaskResult.objects.get(task_path=send_payment_orders.module_path)
    assert task.args_kwargs["kwargs"] == {"order_ids": [order.public_id]}
    assert send_payment_orders.call(**task.args_kwargs["kwargs"]) == 1  # what a worker runs
    assert fresh(order).status == Status.SUCCEEDED
    assert fresh(loan).status == Loan.Status.ACTIVE


def test_process_command_sends_what_waits(line, settings, capsys):
    from django.core.management import call_command

    settings.PAYMENTS_DISPATCH = "sweep"
    loan = draw(line)
    sign_contract(loan)
    call_command("payments", "process")
    assert "sent 1" in capsys.readouterr().out
    assert order_of(loan).status == Status.SUCCEEDED


def test_a_loan_whose_money_is_at_the_bank_cannot_be_cancelled(line, signed, ledger):
    loan = draw(line, amount=1_200_094)  # ..94: the bank books it and never calls back
    order = signed(loan)
    assert order.status in OPEN_AT_BANK
    with pytest.raises(DomainError) as refusal:
        drawdowns.cancel_pending_loan(
            actor=Actor.borrower(loan.customer_id), loan_id=loan.public_id, reason="changed mind"
        )
    assert refusal.value.code == "disbursement_in_flight"
    loan.refresh_from_db()
    assert loan.status == Loan.Status.PENDING_DISBURSEMENT
