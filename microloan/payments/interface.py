"""What other apps (and the demo book) may use of payments besides ``payments.services``:
typed queries over the payment orders (this app's own table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from .models import PaymentOrder


# --- for risk, collections, notifications and the demo ---
def order_counts_by_kind() -> dict[str, int]:
    """Order kind → orders, by kind."""
    rows = PaymentOrder.objects.values("kind").annotate(n=Count("id")).order_by("kind")
    return {row["kind"]: row["n"] for row in rows}


@dataclass(frozen=True, slots=True)
class WaitingDebit:
    order_id: str
    loan_id: str
    customer_id: str
    business_date: dt.date


def waiting_auto_debits() -> list[WaitingDebit]:
    """Auto-debit orders made but not yet sent to the bank."""
    rows = PaymentOrder.objects.filter(
        kind=PaymentOrder.Kind.AUTO_DEBIT, status=PaymentOrder.Status.CREATED
    ).values_list("public_id", "loan_id", "customer_id", "business_date")
    return [WaitingDebit(*row) for row in rows]


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerOrder:
    order_id: str
    kind_label: str
    loan_id: str
    amount: int  # fen
    status: str
    status_label: str
    card_masked: str
    business_date: dt.date


def customer_orders(customer_id: str) -> list[CustomerOrder]:
    """The customer's payment orders, newest first (one query)."""
    rows = (
        PaymentOrder.objects.filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list(
            "public_id", "kind", "loan_id", "amount", "status", "card_masked", "business_date"
        )
    )
    return [
        CustomerOrder(
            order_id, PaymentOrder.Kind(kind).label, loan_id, amount, status,
            PaymentOrder.Status(status).label, card, day,
        )
        for order_id, kind, loan_id, amount, status, card, day in rows
    ]  # fmt: skip


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    register_section(
        ProfileSection(
            "orders", _("Payment orders"), "payments.view_paymentorder", customer_orders, 50
        )
    )


_register_customer_sections()
