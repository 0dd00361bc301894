"""What other apps (and the demo book) may use of notifications besides
``notifications.services``: typed queries over the outbox (this app's own table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from .models import Channel, Message


# --- for risk, collections, notifications and the demo ---
def message_counts_by_status() -> dict[str, int]:
    """Message status → messages, by status."""
    rows = Message.objects.values("status").annotate(n=Count("id")).order_by("status")
    return {row["status"]: row["n"] for row in rows}


# --- for the customer 360 page ---
@dataclass(frozen=True)
class CustomerMessage:
    message_id: str
    channel_label: str
    subject: str
    status: str
    status_label: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def customer_messages(customer_id: str) -> list[CustomerMessage]:
    """Messages to the customer, newest first (one query). The text is left to the message's
    own page: it may name the customer in clear."""
    rows = (
        Message.objects.filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list("public_id", "channel", "subject", "status", "created_at", "sent_at")
    )
    return [
        CustomerMessage(
            message_id, Channel(channel).label, subject, status, Message.Status(status).label,
            created, sent,
        )
        for message_id, channel, subject, status, created, sent in rows
    ]  # fmt: skip


def _register_customer_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    from microloan.customers.profile import ProfileSection, register_section

    register_section(
        ProfileSection(
            "messages", _("Messages sent"), "notifications.view_message", customer_messages, 70
        )
    )


_register_customer_sections()
