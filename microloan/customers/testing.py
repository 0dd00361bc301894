"""Helpers for tests in any app: valid registration data and registered customers."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from microloan.kernel import events
from microloan.kernel.actors import Actor

from .events import PhoneCodeRequested
from .models import Customer
from .services import register_customer
from .synthetic import make_card_number, make_id_number
from .verification import request_phone_code

_serials = itertools.count(1)
REGISTRATION_CONSENT_ITEMS = [
    {"purpose": "personal_information", "text_version": "2026.1"},
    {"purpose": "sensitive_financial_account", "text_version": "2026.1"},
]


def customer_data(**overrides: Any) -> dict[str, Any]:
    """Valid registration data, different on every call (ID number, phone and card are unique
    within a test run). Born 1990-05-17 unless ``overrides`` say otherwise."""
    serial = next(_serials)
    data = {
        "name": "张三丰",
        "id_number": make_id_number(
            birth_date=dt.date(1990, 5, 17), sequence=serial % 999 + 1, region="110105"
        ),
        "phone": f"138{serial:08d}",
        "bank_card_number": make_card_number(prefix="622202", length=19, serial=serial),
        "bank_name": "中国工商银行",
        "address": "北京市朝阳区建国路88号1单元101室",
        "employer": "北京某某科技有限公司",
        "years_employed": 3,
        "monthly_income": "12000.00",
        "education": "bachelor",
        "marital_status": "single",
        "device_id": f"device-{serial}",
        "channel": "app",
        "id_expiry": "2035-01-01",
        "preferred_language": "zh-hans",
        "consents": [dict(item) for item in REGISTRATION_CONSENT_ITEMS],
    }
    data.update(overrides)
    return data


def make_customer(**overrides: Any) -> Customer:
    """A registered customer (through the service, so audited, with the registration
    consents). More than 999 calls in one run would repeat ID numbers: pass ``id_number``."""
    return register_customer(actor=Actor.system("test"), data=customer_data(**overrides))


def phone_code(
    phone: str, *, purpose: str = "register", client_ip: str = "10.9.9.9", send=None
) -> str:
    """Ask for a one-time code for ``phone`` (through ``send``, e.g. an API call, or the
    service) and return the code the SMS would carry, caught from the event the notifications
    app sends it on. Fails when no code went out."""
    sent: list[str] = []

    def catch(event: PhoneCodeRequested) -> None:
        sent.append(event.code)

    events.subscribe(PhoneCodeRequested, catch)
    try:
        if send is None:
            request_phone_code(phone=phone, purpose=purpose, client_ip=client_ip)
        else:
            send()
    finally:
        events.unsubscribe(PhoneCodeRequested, catch)
    assert len(sent) == 1 and sent[0], f"expected one code for {phone}, got {sent}"
    return sent[0]


def ensure_customer(public_id: str, **overrides: Any) -> Customer:
    """The customer ``public_id``, registered now if missing (tests that name their borrowers,
    since a credit line opens only for a registered customer)."""
    found = Customer.objects.filter(public_id=public_id).first()
    if found is not None:
        return found
    customer = make_customer(**overrides)
    Customer.objects.filter(pk=customer.pk).update(public_id=public_id)
    return Customer.objects.get(pk=customer.pk)
