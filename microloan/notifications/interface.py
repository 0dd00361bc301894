"""What other apps (and the demo book) may use of notifications besides
``notifications.services``: typed queries over the outbox (this app's own table)."""

from __future__ import annotations

from django.db.models import Count

from .models import Message


# --- for risk, collections, notifications and the demo ---
def message_counts_by_status() -> dict[str, int]:
    """Message status → messages, by status."""
    rows = Message.objects.values("status").annotate(n=Count("id")).order_by("status")
    return {row["status"]: row["n"] for row in rows}
