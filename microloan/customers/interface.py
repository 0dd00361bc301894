"""What other apps may use of customers: typed queries (frozen dataclasses, never model
instances) and commands (``customers.services``). Customers' tables are private; import this
module, not ``customers.models``.

Nothing here checks a permission or writes the personal-data access log: these are the
platform's own reads for a use case the caller has authorised (an application's checks, a
contract's language, a payment's card), never a screen's.
"""

from __future__ import annotations

# --- bounds-a ---
import datetime as dt
from dataclasses import dataclass

from microloan.kernel.sql import select_one, select_values

from .models import Consent, Customer
from .services import consents_in_force, masked_customer


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


# --- end bounds-a ---
