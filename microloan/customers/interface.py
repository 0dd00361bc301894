"""What other apps may use of customers: typed queries and commands (its tables are private).

Each block belongs to one concern; results are plain values or frozen dataclasses, never model
instances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from microloan.kernel.sql import select_one, select_values, select_values_in

from .models import Consent, Customer
from .services import consents_in_force, masked_customer

# --- for risk, collections, notifications and the demo ---
CHUNK = 900  # ids per IN (…): under SQLite's host-parameter limit
# Blind-index kind (as blacklist entries name them) → the customer column holding it.
INDEX_COLUMNS = {
    "id": "id_number_index",
    "phone": "phone_index",
    "card": "bank_card_index",
    "device": "device_id",
}


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def preferred_languages(customer_ids: Iterable[str]) -> dict[str, str]:
    """customer public id → preferred language, for the ids that are customers."""
    ids = sorted(set(customer_ids))
    return dict(select_values_in(Customer, ["public_id", "preferred_language"], "public_id", ids))


def phone_index_of(customer_id: str) -> str:
    """The blind index of the customer's phone ("" if no such customer)."""
    return (
        Customer.objects.filter(public_id=customer_id).values_list("phone_index", flat=True).first()
        or ""
    )


def masked_customer_of(customer_id: str, *, on: dt.date) -> dict[str, Any] | None:
    """``services.masked_customer`` of customer ``customer_id`` (None if no such customer)."""
    customer = Customer.objects.filter(public_id=customer_id).first()
    return masked_customer(customer, on=on) if customer else None


@dataclass(frozen=True, slots=True)
class IdentityColumns:
    """Identity facts of a set of customers, one tuple per column, in the same row order."""

    public_id: tuple[str, ...]
    id_expiry: tuple[dt.date | None, ...]
    id_number_index: tuple[str, ...]
    phone_index: tuple[str, ...]
    bank_card_index: tuple[str, ...]
    device_id: tuple[str, ...]


_IDENTITY = ("public_id", "id_expiry", *INDEX_COLUMNS.values())


def identity_columns(customer_ids: Iterable[str]) -> IdentityColumns:
    """ID expiry and the blind indexes (what blacklists match) of ``customer_ids``."""
    rows: list[tuple] = []
    for chunk in _chunks(sorted(set(customer_ids))):
        rows += Customer.objects.filter(public_id__in=chunk).order_by().values_list(*_IDENTITY)
    columns = list(zip(*rows, strict=True)) or [()] * len(_IDENTITY)
    return IdentityColumns(*(tuple(column) for column in columns))


def customers_matching(kind: str, hashes) -> set[str]:
    """Public ids of customers whose ``kind`` blind index (``INDEX_COLUMNS``) is in ``hashes``
    (an iterable, or a query of hash values evaluated in the database)."""
    return set(
        Customer.objects.filter(**{f"{INDEX_COLUMNS[kind]}__in": hashes})
        .order_by()
        .values_list("public_id", flat=True)
    )


def customers_with_id_expiring_by(day: dt.date) -> set[str]:
    """Public ids of customers whose ID card expires on or before ``day``."""
    return set(
        Customer.objects.filter(id_expiry__lte=day).order_by().values_list("public_id", flat=True)
    )


# --- for other apps' end-of-day steps ---
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


# --- for origination, contracts, payments, reports and the back office ---
@dataclass(frozen=True)
class ConsentInForce:
    purpose: str
    text_version: str
    granted_at: dt.datetime


@dataclass(frozen=True)
class LanguageAndConsents:
    language: str  # the customer's preferred language code, as registered
    consents: tuple[ConsentInForce, ...]  # in force, by purpose


def language_and_consents(customer_id: str) -> LanguageAndConsents | None:
    """The customer's preferred language and consents in force (two narrow queries, nothing
    decrypted), None if there is no such customer."""
    found = select_values(Customer, ["id", "preferred_language"], '"public_id" = %s', [customer_id])
    if not found:
        return None
    customer_pk, language = found[0]
    consents = tuple(ConsentInForce(*row) for row in consents_in_force(customer_pk))
    return LanguageAndConsents(language, consents)


def consent_purposes_in_force(customer_id: str) -> set[str]:
    """The purposes the customer's consents in force cover."""
    return set(
        Consent.objects.filter(
            customer__public_id=customer_id, withdrawn_at__isnull=True
        ).values_list("purpose", flat=True)
    )


@dataclass(frozen=True)
class LegalIdentity:
    name: str  # plain: a contract names its party; screens mask it
    id_number: str  # plain resident ID number: mask it before showing or printing


def legal_identity(customer_id: str) -> LegalIdentity | None:
    """The customer's legal name and resident ID number, None if there is no such customer."""
    customer = select_one(Customer, '"public_id" = %s', [customer_id], fields=("name", "id_number"))
    if customer is None:
        return None
    return LegalIdentity(customer.name, customer.id_number)


@dataclass(frozen=True)
class BankCard:
    number: str  # plain: only to send to the bank or to mask
    index: str  # blind index: compares cards without decrypting


def bank_card(customer_id: str) -> BankCard | None:
    """The customer's registered bank card, None if there is no such customer."""
    # Prepared SQL, two columns: every payment order asks.
    customer = select_one(
        Customer, '"public_id" = %s', [customer_id], fields=("bank_card_number", "bank_card_index")
    )
    if customer is None:
        return None
    return BankCard(customer.bank_card_number, customer.bank_card_index)


@dataclass(frozen=True)
class Applicant:
    """A registered customer as an application checks them (decrypted: keep it server-side)."""

    customer_id: str
    name: str
    id_number: str
    id_number_index: str
    id_expiry: dt.date | None  # None: valid for life
    phone: str
    phone_index: str
    bank_card_number: str
    bank_card_index: str
    monthly_income: int  # fen
    employer: str
    years_employed: int | None
    education: str
    marital_status: str
    channel: str
    device_id: str  # the device registered with
    created_at: dt.datetime


_APPLICANT_FIELDS = tuple(name for name in Applicant.__dataclass_fields__ if name != "customer_id")


def applicant(customer_id: str) -> Applicant | None:
    """The customer as an application checks them, None if there is no such customer."""
    # Prepared SQL: every application asks.
    customer = select_one(Customer, '"public_id" = %s', [str(customer_id or "")[:60]])
    if customer is None:
        return None
    return Applicant(customer.public_id, *(getattr(customer, name) for name in _APPLICANT_FIELDS))


def masked_applicant(customer_id: str, *, on: dt.date) -> dict | None:
    """What screens show of the customer (``services.masked_customer``), None if unknown."""
    customer = Customer.objects.filter(public_id=customer_id).first()
    return masked_customer(customer, on=on) if customer is not None else None
