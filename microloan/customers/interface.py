"""What other apps may use of customers: typed queries and commands (its tables are private).

Each block belongs to one concern; results are plain values or frozen dataclasses, never model
instances.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__: list[str] = []  # each block adds its names

# --- eod ---
CARD_CHUNK = 500  # customer ids per query: well under every backend's parameter limit


def cards_for_debit(customer_ids: Iterable[str]) -> dict[str, str]:
    """Customer public id → the blind index of the customer's bank card ("" when none), for
    each of ``customer_ids`` that exists: what an auto-debit order names the card by."""
    from .models import Customer

    wanted = sorted(set(customer_ids))
    cards: dict[str, str] = {}
    for start in range(0, len(wanted), CARD_CHUNK):
        found = Customer.objects.filter(public_id__in=wanted[start : start + CARD_CHUNK])
        for customer_id, card_index in found.values_list("public_id", "bank_card_index"):
            cards[customer_id] = card_index or ""
    return cards


__all__ += ["cards_for_debit"]
# --- end eod ---
