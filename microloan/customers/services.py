"""Customer use cases: registration, changes, consents, look-ups and reveals of personal data.

Who may do what: a borrower acts only on their own record (``actor.id`` is the customer's public
id; anyone else's is ``customer_not_found``); staff need ``customers.*`` permissions; a system
actor (demo, imports) may do anything. Every change writes an audit row with masked values; every
reveal of an unmasked value also writes a ``PersonalDataAccess`` row that auditors can list.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.accounts.services import issue_borrower_token
from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from microloan.kernel.ids import new_public_id
from microloan.kernel.masking import mask_value
from microloan.kernel.money import to_yuan_str
from microloan.kernel.request_context import current_request_id
from microloan.kernel.services import get_business_date
from microloan.kernel.sql import select_one, select_values

from .crypto import blind_index
from .models import (
    CONSENT_ID_PREFIX,
    PUBLIC_ID_PREFIX,
    Consent,
    Customer,
    PersonalDataAccess,
    PhoneCodePurpose,
)
from .validation import (
    REGISTRATION_CONSENTS,
    CustomerData,
    FieldInvalid,
    age_on,
    check_consent_purpose,
    check_phone,
    check_text_version,
    validate_changes,
    validate_registration,
)
from .verification import phone_code_invalid, use_phone_code

VIEW_CUSTOMER = "customers.view_customer"
ADD_CUSTOMER = "customers.add_customer"
CHANGE_CUSTOMER = "customers.change_customer"
REVEAL_PERSONAL_DATA = "customers.reveal_personal_data"
ADD_CONSENT = "customers.add_consent"
CHANGE_CONSENT = "customers.change_consent"
VIEW_ACCESS_LOG = "customers.view_personaldataaccess"

# The encrypted fields a reveal may show; the keys are also kernel.masking personal-data keys.
REVEALABLE_FIELDS = ("name", "id_number", "phone", "bank_card_number", "address")
REASON_MAX_LENGTH = 500
_AUDITED_FIELDS = (
    *REVEALABLE_FIELDS,
    "bank_name",
    "employer",
    "years_employed",
    "monthly_income",
    "education",
    "marital_status",
    "device_id",
    "channel",
    "id_expiry",
    "preferred_language",
)


def _not_found() -> NotFound:
    return NotFound(_("No such customer."), code="customer_not_found")


def _customer_for(actor: Actor, customer_id: str, staff_permission: str, *, lock=False):
    """The customer ``actor`` may act on: their own record, or any with ``staff_permission``."""
    if actor.kind == "borrower":
        if actor.id != customer_id:
            raise _not_found()
    else:
        actor.require(staff_permission)
    customers = Customer.objects.select_for_update() if lock else Customer.objects
    customer = customers.filter(public_id=customer_id).first()
    if customer is None:
        raise _not_found()
    return customer


def _masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """Audit values: personal data masked here already (record_audit masks again, harmlessly)."""
    return {
        key: mask_value(key, value.isoformat() if isinstance(value, dt.date) else value)
        for key, value in values.items()
    }


def _audit_view(customer: Customer, names) -> dict[str, Any]:
    return _masked({name: getattr(customer, name) for name in names})


# --- registration ----------------------------------------------------------------------------


def _customer_exists() -> Conflict:
    return Conflict(
        _("A customer with this ID number is already registered."),
        code="customer_exists",
        fields={"id_number": _("Already registered.")},
    )


def _refuse_phone_in_use(phone: str, *, exclude: Customer | None = None) -> None:
    """A mobile number signs one customer in, so two customers cannot share it."""
    others = Customer.objects.exclude(pk=exclude.pk) if exclude else Customer.objects
    if others.filter(phone_index=blind_index("phone", phone)).exists():
        raise Conflict(
            _("This mobile number belongs to another customer."),
            code="phone_in_use",
            fields={"phone": _("Already registered.")},
        )


def _create(
    data: CustomerData,
    consents: list[tuple[str, str]],
    *,
    audit_actor,
    client_ip: str | None,
) -> Customer:
    if Customer.objects.filter(id_number_index=blind_index("id_number", data.id_number)).exists():
        raise _customer_exists()
    _refuse_phone_in_use(data.phone)
    customer = Customer(public_id=new_public_id(PUBLIC_ID_PREFIX), **asdict(data))
    try:
        with transaction.atomic():  # a savepoint: a lost race on the unique index is a 409
            customer.save(force_insert=True)
    except IntegrityError:
        if Customer.objects.filter(id_number_index=customer.id_number_index).exists():
            raise _customer_exists() from None
        raise
    actor = audit_actor(customer)
    record_audit(
        actor=actor,
        action="customer.registered",
        object_type="customer",
        object_id=customer.public_id,
        after=_audit_view(customer, (*_AUDITED_FIELDS, "gender")),
    )
    for purpose, version in consents:
        _grant(actor, customer, purpose, version, channel=data.channel, client_ip=client_ip)
    return customer


def register_customer(
    *, actor: Actor, data: Mapping[str, Any], client_ip: str | None = None
) -> Customer:
    """Register a customer on someone's behalf (staff with ``customers.add_customer``, or the
    system). ``data`` holds the fields of ``validation.CustomerData`` (income as fen int or yuan
    string; no birth date or gender: the ID number gives them) and optionally ``consents``
    ``[{"purpose", "text_version"}]``. Every problem is reported at once (422
    ``CustomerDataInvalid``); an ID number already registered is 409 ``customer_exists``, a
    phone already in use 409 ``phone_in_use``."""
    actor.require_staff()
    actor.require(ADD_CUSTOMER)
    checked = validate_registration(data, today=get_business_date())
    with transaction.atomic():
        return _create(
            checked.customer, checked.consents, audit_actor=lambda _c: actor, client_ip=client_ip
        )


@dataclass(frozen=True)
class SelfRegistration:
    customer: Customer
    token: str  # the borrower's raw API token: hand it to the borrower, store it nowhere


def register_self(
    *, data: Mapping[str, Any], code: str, client_ip: str | None = None
) -> SelfRegistration:
    """A person registers through the app: the customer, the consents given (personal
    information and financial account are required) and a borrower API token, in one
    transaction. The audit actor is the new borrower.

    ``code`` is the one-time code sent to ``data["phone"]`` (``verification``). The details are
    checked first (that says nothing about anyone), then the code is spent, and only then is an
    ID number or phone already registered refused (409): so nobody learns who banks here
    without holding the phone."""
    checked = validate_registration(
        data, today=get_business_date(), required_consents=REGISTRATION_CONSENTS
    )
    use_phone_code(phone=checked.customer.phone, purpose=PhoneCodePurpose.REGISTER, code=code)
    with transaction.atomic():
        customer = _create(
            checked.customer,
            checked.consents,
            audit_actor=lambda c: Actor.borrower(c.public_id),
            client_ip=client_ip,
        )
        token = issue_borrower_token(borrower_id=customer.public_id)
    return SelfRegistration(customer=customer, token=token)


def sign_in_with_code(*, phone: str, code: str) -> SelfRegistration:
    """A borrower signs in with the one-time code sent to their phone (purpose ``sign_in``):
    a new borrower API token. A sign-in code is sent only to a customer's phone, so a right
    code names one; the refusal for anything else is the same 422 ``phone_code_invalid``."""
    number = use_phone_code(phone=phone, purpose=PhoneCodePurpose.SIGN_IN, code=code)
    customer = Customer.objects.filter(phone_index=blind_index("phone", number)).first()
    if customer is None:  # the phone changed hands between the code and its use
        raise phone_code_invalid()
    return SelfRegistration(
        customer=customer, token=issue_borrower_token(borrower_id=customer.public_id)
    )


def _require_new_phone_code(customer_id: str, phone: str, code: str | None) -> None:
    try:
        index = blind_index("phone", check_phone(phone))
    except FieldInvalid:
        return  # not a phone: the validation of the changes names the field
    current = Customer.objects.filter(public_id=customer_id).values_list("phone_index", flat=True)
    if index not in current:  # a new number (the same one again needs no code)
        use_phone_code(phone=phone, purpose=PhoneCodePurpose.CHANGE_PHONE, code=code or "")


def update_customer(
    *,
    actor: Actor,
    customer_id: str,
    changes: Mapping[str, Any],
    phone_code: str | None = None,
) -> Customer:
    """Change a customer's details (the borrower themself, or staff with
    ``customers.change_customer``). Name and ID number cannot change; every problem is reported
    at once; a phone used by another customer is 409 ``phone_in_use``.

    A borrower moving to a new phone proves it with ``phone_code``, the code sent to the new
    number for ``change_phone``; without it the change is 422 ``phone_code_invalid``, so
    ``phone_in_use`` cannot be used to look up other people's numbers."""
    if actor.kind == "borrower" and changes.get("phone") is not None:
        _require_new_phone_code(customer_id, str(changes["phone"]), phone_code)
    with transaction.atomic():
        customer = _customer_for(actor, customer_id, CHANGE_CUSTOMER, lock=True)
        clean = validate_changes(changes, today=get_business_date(), birth_date=customer.birth_date)
        changed = {k: v for k, v in clean.items() if getattr(customer, k) != v}
        if not changed:
            return customer
        if "phone" in changed:
            _refuse_phone_in_use(changed["phone"], exclude=customer)
        before = _audit_view(customer, changed)
        for name, value in changed.items():
            setattr(customer, name, value)
        customer.save(update_fields=[*changed, "updated_at"])
        record_audit(
            actor=actor,
            action="customer.updated",
            object_type="customer",
            object_id=customer.public_id,
            before=before,
            after=_audit_view(customer, changed),
        )
    return customer


# --- look-ups --------------------------------------------------------------------------------


def get_customer(*, actor: Actor, customer_id: str) -> Customer:
    """One customer: the borrower's own record, or any with ``customers.view_customer``."""
    return _customer_for(actor, customer_id, VIEW_CUSTOMER)


def credit_standing(customer_id: str, *, on: dt.date) -> str | None:
    """Why the customer may not hold credit on ``on`` (a refusal code), or None if they may.

    For lending, before a line opens: ``customer_not_found`` (no such customer) or
    ``id_expired`` (their resident ID expired: admission needs a valid one).
    """
    found = select_one(  # prepared SQL: every line opening asks
        Customer, '"public_id" = %s', [str(customer_id)[:60]], fields=["id_expiry"]
    )
    if found is None:
        return "customer_not_found"
    if found.id_expiry is not None and found.id_expiry < on:
        return "id_expired"
    return None


def find_by_id_number(id_number: str) -> Customer | None:
    """The customer registered with this ID number (any spacing, x or X), via the blind index.

    For other services (origination, risk): no permission check, and the clear value it returns
    must stay inside the service that asked.
    """
    return Customer.objects.filter(id_number_index=blind_index("id_number", id_number)).first()


def find_by_phone(phone: str) -> QuerySet[Customer]:
    """Customers with this mobile number in any common spelling (+86, spaces, dashes)."""
    return Customer.objects.filter(phone_index=blind_index("phone", phone))


def find_by_card(card_number: str) -> QuerySet[Customer]:
    """Customers whose bank card is this number (spaces and dashes ignored)."""
    return Customer.objects.filter(bank_card_index=blind_index("card", card_number))


def search_customers(
    *,
    actor: Actor,
    id_number: str = "",
    phone: str = "",
    card_number: str = "",
    channel: str = "",
) -> QuerySet[Customer]:
    """Customers matching every given filter, newest first (``customers.view_customer``).

    ID number, phone and card match exactly through their blind index: encrypted values cannot
    be searched by fragments, and results are only ever shown masked.
    """
    actor.require_staff()
    actor.require(VIEW_CUSTOMER)
    customers = Customer.objects.all()
    if id_number.strip():
        customers = customers.filter(id_number_index=blind_index("id_number", id_number))
    if phone.strip():
        customers = customers.filter(phone_index=blind_index("phone", phone))
    if card_number.strip():
        customers = customers.filter(bank_card_index=blind_index("card", card_number))
    if channel.strip():
        customers = customers.filter(channel=channel.strip())
    return customers.order_by("-created_at", "-id")


def masked_customer(customer: Customer, *, on: dt.date) -> dict[str, Any]:
    """What screens and the API show of a customer: personal data masked, age (on ``on``)
    instead of the birth date, income in yuan."""
    return {
        "id": customer.public_id,
        "name": mask_value("name", customer.name),
        "id_number": mask_value("id_number", customer.id_number),
        "phone": mask_value("phone", customer.phone),
        "bank_card_number": mask_value("bank_card_number", customer.bank_card_number),
        "bank_name": customer.bank_name,
        "address": mask_value("address", customer.address),
        "employer": customer.employer,
        "years_employed": customer.years_employed,
        "monthly_income": to_yuan_str(customer.monthly_income),
        "education": customer.education,
        "marital_status": customer.marital_status,
        "gender": customer.gender,
        "age": age_on(customer.birth_date, on),
        "id_expiry": customer.id_expiry,
        "id_long_term": customer.id_expiry is None,
        "preferred_language": customer.preferred_language,
        "channel": customer.channel,
        "device_id": customer.device_id,
        "created_at": customer.created_at,
    }


# --- reveal ----------------------------------------------------------------------------------


def reveal_field(*, actor: Actor, customer_id: str, field: str, reason: str) -> str:
    """The clear value of one personal-data field, for a stated reason.

    Needs ``customers.reveal_personal_data`` (staff only). Writes a ``PersonalDataAccess`` row and
    an audit row ``customer.field_revealed`` (field and reason, never the value).
    """
    if actor.kind != "staff" and actor.kind != "system":
        raise PermissionDenied()
    actor.require(REVEAL_PERSONAL_DATA)
    problems = {}
    if field not in REVEALABLE_FIELDS:
        problems["field"] = _("Must be one of: %(choices)s.") % {
            "choices": ", ".join(REVEALABLE_FIELDS)
        }
    reason = " ".join((reason or "").split())
    if not reason:
        problems["reason"] = _("Say why you need to see this value.")
    elif len(reason) > REASON_MAX_LENGTH:
        problems["reason"] = _("At most %(n)d characters.") % {"n": REASON_MAX_LENGTH}
    if problems:
        code = "reason_required" if list(problems) == ["reason"] else "validation_failed"
        raise ValidationFailed(code=code, fields=problems)
    with transaction.atomic():
        customer = Customer.objects.filter(public_id=customer_id).first()
        if customer is None:
            raise _not_found()
        PersonalDataAccess.objects.create(
            customer=customer,
            field=field,
            reason=reason,
            actor_kind=actor.kind,
            actor_id=actor.id,
            request_id=current_request_id()[:64],
        )
        record_audit(
            actor=actor,
            action="customer.field_revealed",
            object_type="customer",
            object_id=customer.public_id,
            after={"field": field, "reason": reason},
        )
    return getattr(customer, field)


def list_data_accesses(
    *, actor: Actor, customer_id: str = "", actor_id: str = ""
) -> QuerySet[PersonalDataAccess]:
    """Reveals of personal data, newest first (``customers.view_personaldataaccess``)."""
    actor.require(VIEW_ACCESS_LOG)
    accesses = PersonalDataAccess.objects.select_related("customer").only(
        "field", "reason", "actor_kind", "actor_id", "request_id", "created_at",
        "customer__public_id",
    )  # fmt: skip
    if customer_id:
        accesses = accesses.filter(customer__public_id=customer_id)
    if actor_id:
        accesses = accesses.filter(actor_id=actor_id)
    return accesses.order_by("-created_at", "-id")


# --- consents --------------------------------------------------------------------------------


def _ip_or_none(text: str | None) -> str | None:
    """The client address as evidence of a consent, if it is one ("unknown" is not)."""
    try:
        return str(ipaddress.ip_address(text)) if text else None
    except ValueError:
        return None


def _grant(
    actor: Actor,
    customer: Customer,
    purpose: str,
    text_version: str,
    *,
    channel: str,
    client_ip: str | None,
) -> Consent:
    active = (
        Consent.objects.select_for_update()
        .filter(customer_id=customer.pk, purpose=purpose, withdrawn_at__isnull=True)
        .order_by("id")
        .first()
    )
    if active is not None and active.text_version == text_version:
        return active  # granting again what is in force changes nothing
    now = timezone.now()
    if active is not None:
        active.withdrawn_at, active.end_reason = now, Consent.EndReason.SUPERSEDED
        active.save(update_fields=["withdrawn_at", "end_reason"])
    consent = Consent(
        public_id=new_public_id(CONSENT_ID_PREFIX),
        customer=customer,
        purpose=purpose,
        text_version=text_version,
        granted_at=now,
        channel=channel[:32],
        ip_address=_ip_or_none(client_ip),
    )
    consent.save(force_insert=True)
    record_audit(
        actor=actor,
        action="consent.granted",
        object_type="customer",
        object_id=customer.public_id,
        before={"purpose": purpose, "text_version": active.text_version} if active else None,
        after={"purpose": purpose, "text_version": text_version, "consent": consent.public_id},
    )
    return consent


def grant_consent(
    *,
    actor: Actor,
    customer_id: str,
    purpose: str,
    text_version: str,
    channel: str = "",
    client_ip: str | None = None,
) -> Consent:
    """Record a consent (the borrower, or staff with ``customers.add_consent`` recording one
    given on paper). A consent in force under another text version is superseded."""
    problems = {}
    for name, check, value in (
        ("purpose", check_consent_purpose, purpose),
        ("text_version", check_text_version, text_version),
    ):
        try:
            check(value)
        except FieldInvalid as invalid:
            problems[name] = invalid.message
    if problems:
        raise ValidationFailed(fields=problems)
    with transaction.atomic():
        customer = _customer_for(actor, customer_id, ADD_CONSENT)
        return _grant(actor, customer, purpose, text_version, channel=channel, client_ip=client_ip)


def withdraw_consent(*, actor: Actor, customer_id: str, purpose: str) -> Consent:
    """Withdraw the consent in force for ``purpose`` (the borrower, or staff with
    ``customers.change_consent``). Withdrawing again returns the withdrawn consent unchanged;
    a purpose never consented to is 404 ``consent_not_found``."""
    try:
        check_consent_purpose(purpose)
    except FieldInvalid as invalid:
        raise ValidationFailed(fields={"purpose": invalid.message}) from None
    with transaction.atomic():
        customer = _customer_for(actor, customer_id, CHANGE_CONSENT)
        consent = (
            Consent.objects.select_for_update()
            .filter(customer=customer, purpose=purpose)
            .order_by("-granted_at", "-id")
            .first()
        )
        if consent is None:
            raise NotFound(_("No consent was given for this purpose."), code="consent_not_found")
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at, consent.end_reason = timezone.now(), Consent.EndReason.WITHDRAWN
        consent.save(update_fields=["withdrawn_at", "end_reason"])
        record_audit(
            actor=actor,
            action="consent.withdrawn",
            object_type="customer",
            object_id=customer.public_id,
            before={"purpose": purpose, "text_version": consent.text_version},
            after={"purpose": purpose, "withdrawn_at": consent.withdrawn_at},
        )
    return consent


def active_consents(customer: Customer | str) -> QuerySet[Consent]:
    """The consents in force for a customer (instance or public id)."""
    consents = Consent.objects.filter(withdrawn_at__isnull=True)
    if isinstance(customer, Customer):
        return consents.filter(customer=customer)
    return consents.filter(customer__public_id=customer)


def consents_in_force(customer_pk: int) -> list[tuple[str, str, dt.datetime]]:
    """(purpose, text version, granted at) of each consent in force, by purpose: prepared SQL,
    for the paths every application and contract runs."""
    return select_values(
        Consent,
        ["purpose", "text_version", "granted_at"],
        '"customer_id" = %s AND "withdrawn_at" IS NULL',
        [customer_pk],
        order_by='"purpose"',
    )


def consent_history(customer: Customer) -> QuerySet[Consent]:
    """Every consent the customer gave, in force or ended, newest first."""
    return Consent.objects.filter(customer=customer).order_by("-granted_at", "-id")


def require_consent(customer: Customer | str, purpose: str) -> Consent:
    """The consent in force for ``purpose``, or 422 ``consent_missing`` (what origination calls
    before a credit-report query, a face check or a contract)."""
    consent = active_consents(customer).filter(purpose=purpose).first()
    if consent is None:
        raise BusinessRuleViolation(
            _("The customer has not consented to this: %(purpose)s.") % {"purpose": purpose},
            code="consent_missing",
            fields={"purpose": purpose},
        )
    return consent
