"""One-time phone codes (``customers.verification``) handed to the SMS provider.

A code is not an outbox message: the outbox keeps bodies in the database for retries and the
back office, and a code must exist nowhere but in the SMS. It is sent right after the commit
that stored its hash; if the gateway fails, the person asks again after the resend cooldown.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from microloan.customers.events import PhoneCodeRequested
from microloan.kernel import events
from microloan.kernel.ids import new_public_id

from .models import Channel
from .providers import DeliveryFailed, Outgoing, get_provider

logger = logging.getLogger(__name__)


def code_text(*, code: str, purpose: str, expires_in_minutes: int, language: str) -> str:
    """The SMS; an empty ``code`` is a sign-in asked for a phone that has no account."""
    values = {"code": code, "minutes": expires_in_minutes}
    with translation.override(language):
        if not code:
            return _(
                "[Microloan] Someone asked to sign in with this number, which has no Microloan "
                "account. If it was you, register first; if not, ignore this message."
            )
        if purpose == "sign_in":
            text = _(
                "[Microloan] Your sign-in code is %(code)s. It expires in %(minutes)d minutes; "
                "never tell it to anyone, our staff included."
            )
        else:
            text = _(
                "[Microloan] Your registration code is %(code)s. It expires in %(minutes)d "
                "minutes; never tell it to anyone, our staff included."
            )
        return text % values


def on_phone_code_requested(event: PhoneCodeRequested) -> None:
    language = event.language
    outgoing = Outgoing(
        idempotency_key=new_public_id("otp"),
        channel=Channel.SMS,
        customer_id="",
        language=language,
        subject="",
        body=code_text(
            code=event.code,
            purpose=event.purpose,
            expires_in_minutes=event.expires_in_minutes,
            language=language,
        ),
        recipient=event.phone,
    )
    transaction.on_commit(lambda: _send(outgoing))


def _send(outgoing: Outgoing) -> None:
    try:
        get_provider(Channel.SMS).send(outgoing)
    except DeliveryFailed as failed:
        logger.warning("phone code %s not sent: %s", outgoing.idempotency_key, failed.reason)


def subscribe_phone_codes() -> None:
    events.subscribe(PhoneCodeRequested, on_phone_code_requested)
