"""Customers API (mounted at ``/api/v1/customers/``). Every reply shows personal data masked;
the only clear value the API ever returns is the one ``POST /{id}/reveal`` asks for, logged.

Borrowers: ``POST /registration/codes`` sends a one-time code to a phone (always 202, whether
the phone is known or not); ``POST /register`` with that code returns the customer and a
borrower token. A registered borrower signs in the same way: ``POST /sign-in/codes``, then
``POST /sign-in``. Then ``GET``/``PATCH /me`` (a new phone with the code that
``POST /me/phone/codes`` sent it), ``POST /me/consents``,
``POST /me/consents/{purpose}/withdraw``. Code requests are limited per phone and per client
address (429 ``too_many_requests`` with Retry-After).
Staff: ``GET /`` (search), ``GET /access-log``, ``GET /{id}``, ``POST /{id}/reveal``.

``/register`` and ``/{id}/reveal`` are deliberately not ``@idempotent``: the idempotency store
keeps replies, and these replies hold a bearer token and a clear personal value, which must
exist nowhere but in the caller's hands (the rule ``accounts`` applies to ``POST /tokens``).
A repeated registration cannot create a second customer: the ID number's unique blind index
refuses it (409 ``customer_exists``, told only to the holder of a valid code), so a client
whose reply was lost signs in instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import borrower_auth, staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.middleware import client_ip
from microloan.api.schemas import ErrorOut
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import BodyInt, PageNumber, PageSize
from microloan.kernel.pagination import paginate
from microloan.kernel.services import get_business_date

from . import services
from .models import Consent, PhoneCodePurpose
from .validation import (
    ADDRESS_MAX_LENGTH,
    BANK_NAME_MAX_LENGTH,
    DEVICE_ID_MAX_LENGTH,
    EMPLOYER_MAX_LENGTH,
    TEXT_VERSION_MAX_LENGTH,
)
from .verification import request_phone_code

router = Router(tags=["customers"])

_REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_REFUSALS |= {415: ErrorOut, 422: ErrorOut, 429: ErrorOut}
_SHORT = 40  # ID numbers, phones and cards, with room for spaces the client may send
_PURPOSES = "personal_information, credit_report_query, e_contract, sensitive_face, " + (
    "sensitive_financial_account"
)


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(max_length=40, description=_PURPOSES)
    text_version: str = Field(max_length=TEXT_VERSION_MAX_LENGTH)


class PhoneCodeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=_SHORT, description="mainland China mobile number")
    language: str = Field("zh-hans", max_length=8, description="of the SMS: zh-hans or en")


class SignInIn(Schema):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=_SHORT)
    code: str = Field(max_length=12, description="the 6-digit code sent by SMS")


class RegisterIn(Schema):
    """Everything defaults to empty here so that the service reports every missing or wrong
    field at once (422, ``fields`` by name), not just the first one a schema would stop at."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=60)
    id_number: str = Field("", max_length=_SHORT)
    phone: str = Field("", max_length=_SHORT, description="mainland China mobile number")
    bank_card_number: str = Field("", max_length=_SHORT)
    bank_name: str = Field("", max_length=BANK_NAME_MAX_LENGTH)
    address: str = Field("", max_length=ADDRESS_MAX_LENGTH)
    employer: str = Field("", max_length=EMPLOYER_MAX_LENGTH)
    years_employed: BodyInt | None = None
    monthly_income: str = Field("", max_length=20, description="yuan, e.g. '8000.00'")
    education: str = Field(
        "",
        max_length=32,
        description="junior_high_or_below, high_school, associate, bachelor, master, doctorate",
    )
    marital_status: str = Field("", max_length=16, description="single, married, divorced, widowed")
    device_id: str = Field("", max_length=DEVICE_ID_MAX_LENGTH)
    id_expiry: str | None = Field(
        None, max_length=10, description="YYYY-MM-DD; null when the ID card is valid for life"
    )
    preferred_language: str = Field("zh-hans", max_length=8, description="zh-hans or en")
    channel: str = Field("app", max_length=32)
    code: str = Field(
        "", max_length=12, description="the 6-digit code sent to the phone (/registration/codes)"
    )
    consents: list[ConsentIn] = Field(
        default_factory=list,
        max_length=10,
        description="must include personal_information and sensitive_financial_account",
    )


class CustomerUpdateIn(Schema):
    """Only the fields sent change; name and ID number cannot."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(None, max_length=_SHORT)
    bank_card_number: str | None = Field(None, max_length=_SHORT)
    bank_name: str | None = Field(None, max_length=BANK_NAME_MAX_LENGTH)
    address: str | None = Field(None, max_length=ADDRESS_MAX_LENGTH)
    employer: str | None = Field(None, max_length=EMPLOYER_MAX_LENGTH)
    years_employed: BodyInt | None = None
    monthly_income: str | None = Field(None, max_length=20)
    education: str | None = Field(None, max_length=32)
    marital_status: str | None = Field(None, max_length=16)
    device_id: str | None = Field(None, max_length=DEVICE_ID_MAX_LENGTH)
    id_expiry: str | None = Field(None, max_length=10)
    preferred_language: str | None = Field(None, max_length=8)
    phone_code: str | None = Field(
        None, max_length=12, description="with a new phone: the code sent to it (/me/phone/codes)"
    )


class ConsentOut(Schema):
    id: str = Field(validation_alias="public_id")
    purpose: str
    text_version: str
    granted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    end_reason: str
    channel: str


class CustomerOut(Schema):
    """A customer with every personal value masked; age instead of the birth date."""

    id: str
    name: str
    id_number: str
    phone: str
    bank_card_number: str
    bank_name: str
    address: str
    employer: str
    years_employed: int | None
    monthly_income: str
    education: str
    marital_status: str
    gender: str
    age: int
    id_expiry: dt.date | None
    id_long_term: bool
    preferred_language: str
    channel: str
    created_at: dt.datetime


class CustomerDetailOut(CustomerOut):
    device_id: str
    consents: list[ConsentOut]


class RegisteredOut(Schema):
    customer: CustomerOut
    token: str = Field(description="the borrower's bearer token (mlb_…); shown only here")


class CustomerPageOut(Schema):
    items: list[CustomerOut]
    count: int
    page: int
    page_size: int


class CustomerFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field("", max_length=_SHORT, description="exact match")
    phone: str = Field("", max_length=_SHORT, description="exact match")
    card_number: str = Field("", max_length=_SHORT, description="exact match")
    channel: str = Field("", max_length=32)
    page: PageNumber = 1
    page_size: PageSize = 50


class RevealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        max_length=32, description="name, id_number, phone, bank_card_number, address"
    )
    reason: str = Field(max_length=services.REASON_MAX_LENGTH)


class RevealOut(Schema):
    field: str
    value: str


class AccessFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field("", max_length=PUBLIC_ID_MAX_LENGTH)
    actor_id: str = Field("", max_length=150)
    page: PageNumber = 1
    page_size: PageSize = 50


class AccessOut(Schema):
    customer_id: str
    field: str
    reason: str
    actor_kind: str
    actor_id: str
    request_id: str
    created_at: dt.datetime


def _view(customer) -> dict[str, Any]:
    return services.masked_customer(customer, on=get_business_date())


def _detail(customer) -> dict[str, Any]:
    return _view(customer) | {"consents": list(services.consent_history(customer))}


def _page(rows, page: int, page_size: int) -> tuple[list, int]:
    found = paginate(rows, page, page_size)
    return found.items, found.total


# --- borrowers -------------------------------------------------------------------------------


def _send_code(request, payload: PhoneCodeIn, purpose: str):
    request_phone_code(
        phone=payload.phone,
        purpose=purpose,
        client_ip=client_ip(request),
        language=payload.language,
    )
    return Status(202, None)


@router.post("/registration/codes", auth=None, response={202: None, **_REFUSALS})
def send_registration_code(request, payload: PhoneCodeIn):
    """Send a one-time registration code to the phone by SMS. The reply is 202 whether or not
    the phone belongs to a customer; 429 when the phone or this address asked too often."""
    return _send_code(request, payload, PhoneCodePurpose.REGISTER)


@router.post("/register", auth=None, response={201: RegisteredOut, **_REFUSALS})
def register(request, response: HttpResponse, payload: RegisterIn):
    """Self-registration with the code sent to the phone: every problem with the details is
    reported at once (422, ``fields`` by name); a wrong or expired code is 422
    ``phone_code_invalid``; only with a valid code is an ID number or phone already registered
    409 ``customer_exists`` / ``phone_in_use``."""
    response["Cache-Control"] = "no-store"
    data = payload.dict()
    code = data.pop("code")
    registration = services.register_self(data=data, code=code, client_ip=client_ip(request))
    return Status(201, {"customer": _view(registration.customer), "token": registration.token})


@router.post("/sign-in/codes", auth=None, response={202: None, **_REFUSALS})
def send_sign_in_code(request, payload: PhoneCodeIn):
    """Send a one-time sign-in code to a customer's phone by SMS. The reply is 202 whether or
    not the phone belongs to a customer (a stranger's phone gets an SMS saying so, no code)."""
    return _send_code(request, payload, PhoneCodePurpose.SIGN_IN)


@router.post("/sign-in", auth=None, response={200: RegisteredOut, **_REFUSALS})
def sign_in(request, response: HttpResponse, payload: SignInIn):
    """A borrower signs in with the code sent to their phone and gets a new bearer token."""
    response["Cache-Control"] = "no-store"
    signed_in = services.sign_in_with_code(phone=payload.phone, code=payload.code)
    return {"customer": _view(signed_in.customer), "token": signed_in.token}


@router.get("/me", auth=borrower_auth, response={200: CustomerDetailOut, **_REFUSALS})
def me(request):
    customer = services.get_customer(actor=request.auth, customer_id=request.auth.id)
    return _detail(customer)


@router.patch("/me", auth=borrower_auth, response={200: CustomerDetailOut, **_REFUSALS})
def update_me(request, payload: CustomerUpdateIn):
    """Change one's own details; a new phone needs the code sent to it (``/me/phone/codes``)."""
    changes = payload.dict(exclude_unset=True)
    phone_code = changes.pop("phone_code", None)
    customer = services.update_customer(
        actor=request.auth, customer_id=request.auth.id, changes=changes, phone_code=phone_code
    )
    return _detail(customer)


@router.post("/me/phone/codes", auth=borrower_auth, response={202: None, **_REFUSALS})
def send_phone_change_code(request, payload: PhoneCodeIn):
    """Send a one-time code to the new phone a borrower wants to move to. The reply is 202
    whether or not the number belongs to another customer."""
    return _send_code(request, payload, PhoneCodePurpose.CHANGE_PHONE)


@router.post("/me/consents", auth=borrower_auth, response={201: ConsentOut, **_REFUSALS})
@idempotent
def grant_my_consent(request, payload: ConsentIn):
    consent: Consent = services.grant_consent(
        actor=request.auth,
        customer_id=request.auth.id,
        purpose=payload.purpose,
        text_version=payload.text_version,
        channel="app",
        client_ip=client_ip(request),
    )
    return Status(201, consent)


@router.post(
    "/me/consents/{purpose}/withdraw",
    auth=borrower_auth,
    response={200: ConsentOut, **_REFUSALS},
)
def withdraw_my_consent(request, purpose: str = Path(..., max_length=40)):
    return services.withdraw_consent(
        actor=request.auth, customer_id=request.auth.id, purpose=purpose
    )


# --- staff -----------------------------------------------------------------------------------


@router.get(
    "/", auth=staff_auth(services.VIEW_CUSTOMER), response={200: CustomerPageOut, **_REFUSALS}
)
def search(request, filters: Query[CustomerFilters]):
    """Newest first; ID number, phone and card match exactly (through their blind index)."""
    customers = services.search_customers(
        actor=request.auth,
        id_number=filters.id_number,
        phone=filters.phone,
        card_number=filters.card_number,
        channel=filters.channel,
    )
    rows, count = _page(customers, filters.page, filters.page_size)
    return {
        "items": [_view(c) for c in rows],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get(
    "/access-log",
    auth=staff_auth(services.VIEW_ACCESS_LOG),
    response={200: list[AccessOut], **_REFUSALS},
)
def access_log(request, filters: Query[AccessFilters]):
    """Every reveal of unmasked personal data, newest first (for auditors)."""
    accesses = services.list_data_accesses(
        actor=request.auth, customer_id=filters.customer_id, actor_id=filters.actor_id
    )
    rows, _count = _page(accesses, filters.page, filters.page_size)
    return [
        {
            "customer_id": a.customer.public_id,
            "field": a.field,
            "reason": a.reason,
            "actor_kind": a.actor_kind,
            "actor_id": a.actor_id,
            "request_id": a.request_id,
            "created_at": a.created_at,
        }
        for a in rows
    ]


@router.get(
    "/{customer_id}",
    auth=staff_auth(services.VIEW_CUSTOMER),
    response={200: CustomerDetailOut, **_REFUSALS},
)
def customer_detail(request, customer_id: str = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)):
    return _detail(services.get_customer(actor=request.auth, customer_id=customer_id))


@router.post(
    "/{customer_id}/reveal",
    auth=staff_auth(services.VIEW_CUSTOMER, services.REVEAL_PERSONAL_DATA),
    response={200: RevealOut, **_REFUSALS},
)
def reveal(
    request,
    response: HttpResponse,
    payload: RevealIn,
    customer_id: str = Path(..., max_length=PUBLIC_ID_MAX_LENGTH),
):
    """The clear value of one field, for a stated reason; logged for auditors."""
    response["Cache-Control"] = "no-store"
    value = services.reveal_field(
        actor=request.auth, customer_id=customer_id, field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}
