"""The header's global search: one box for a customer (phone, ID number or bank card, matched
through the blind indexes) or any record by its public id, jumping straight to its page.

Public ids carry their kind as a prefix (``loan_…``), so an id is routed by name only; the page
it lands on checks the viewer's permission and answers 404 for an unknown id.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# public id prefix → the page showing that record
PAGE_OF_PREFIX = {
    "cus": "customers:detail",
    "line": "lending:line",
    "loan": "lending:loan",
    "app": "origination:application",
    "ctr": "contracts:contract",
    "pay": "payments:order",
    "msg": "notifications:message",
    "ccas": "collections:case",
}
_PUBLIC_ID = re.compile(r"^([a-z]+)_[0-9a-z]{26}$")
_PHONE = re.compile(r"^(?:\+?86)?(1\d{10})$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$|^\d{15}$")
_CARD = re.compile(r"^\d{12,19}$")
MAX_QUERY = 64

NOT_UNDERSTOOD = _(
    "Type a full mobile number, ID number or bank card number, or a record's id "
    "(such as loan_…, app_…, ctr_…)."
)


def page_for_public_id(query: str) -> str | None:
    """The URL name of the page of the record ``query`` names, None if it is not a known id."""
    found = _PUBLIC_ID.match(query.lower())
    return PAGE_OF_PREFIX.get(found.group(1)) if found else None


def customer_filters(query: str) -> list[dict[str, str]]:
    """The customer searches ``query`` could mean, most likely first (an 18-digit number may
    be an ID number or a card)."""
    compact = re.sub(r"[\s-]", "", query).upper()
    filters: list[dict[str, str]] = []
    if phone := _PHONE.match(compact):
        filters.append({"phone": phone.group(1)})
    if _ID_NUMBER.match(compact):
        filters.append({"id_number": compact})
    if _CARD.match(compact) and not _PHONE.match(compact):
        filters.append({"card_number": compact})
    return filters
