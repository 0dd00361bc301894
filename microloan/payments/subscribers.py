"""What payments does when other apps announce something (subscribed in ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from microloan.contracts.events import ContractSigned
from microloan.kernel.errors import Conflict
from microloan.lending.events import LoanCancelled, ManualPostingRecorded

from .models import OPEN_AT_BANK, PaymentOrder
from .services.orders import SYSTEM, close_unsent_order, create_disbursement_order


def on_contract_signed(event: ContractSigned) -> None:
    """A signed loan contract orders its disbursement, in the signer's transaction; a second
    "contract.signed" for the same loan finds the order already there."""
    if event.kind != "loan" or not event.loan_id:
        return
    create_disbursement_order(actor=SYSTEM, loan_id=event.loan_id, contract_id=event.contract_id)


def on_loan_cancelled(event: LoanCancelled) -> None:
    """A pending loan may be cancelled only while its money has not gone to the bank: an order
    the bank holds could still pay out, so the cancellation is refused (it rolls back); an order
    not yet sent is cancelled with the loan."""
    loan_id = event.loan_id
    orders = PaymentOrder.objects.select_for_update().filter(
        kind=PaymentOrder.Kind.DISBURSEMENT, loan_id=loan_id
    )
    for order in orders:
        if order.status in OPEN_AT_BANK:
            raise Conflict(
                _("The money is on its way to the bank; the loan cannot be cancelled now."),
                code="disbursement_in_flight",
                fields={"loan_id": loan_id, "order_id": order.public_id},
            )
        if order.status == PaymentOrder.Status.CREATED:
            close_unsent_order(order, code="loan_cancelled")


def on_manual_posting_recorded(event: ManualPostingRecorded) -> None:
    """Staff recording by hand money the bank reported on one of our orders would post it twice:
    refused (the recording rolls back), naming the order to look at instead."""
    bank_reference = event.bank_reference
    order = PaymentOrder.objects.filter(channel_ref=bank_reference).exclude(channel_ref="").first()
    if order is not None:
        raise Conflict(
            _("This bank reference belongs to payment order %(order)s; it is not posted by hand.")
            % {"order": order.public_id},
            code="bank_reference_of_order",
            fields={"bank_reference": bank_reference, "order_id": order.public_id},
        )
