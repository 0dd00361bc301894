"""Phone verification by one-time SMS code: nothing about existing records is said before it.

``request_phone_code`` answers the same whether the phone belongs to a customer or not (the API
replies 202, and one SMS goes out, either way); the code goes out as the event
``customer.phone_code_requested``, which the notifications app hands to its SMS provider after
commit. A code has 6 digits, is stored only as an HMAC under a key outside the database,
expires after ``PHONE_CODE_TTL_SECONDS``, is used once, and dies after ``PHONE_CODE_MAX_TRIES``
wrong answers. Requests are limited per
phone (a resend cooldown and a number per hour) and per client address (429 with Retry-After).

Every counter is read and changed in one transaction that locks its row (on SQLite the write
lock is taken at BEGIN), so parallel requests cannot slip past a limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.kernel import events
from microloan.kernel.errors import DomainError, ValidationFailed

from .crypto import BLIND_INDEX_LENGTH, blind_index, key_ring
from .events import PhoneCodeRequested
from .models import Customer, PhoneCode, PhoneCodePurpose, RequestThrottle
from .validation import FieldInvalid, check_phone

CODE_DIGITS = 6
SENDS_WINDOW = dt.timedelta(hours=1)


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = _("Too many requests. Try again later.")

    def __init__(self, *, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after  # seconds; the API sends it as Retry-After


def phone_code_invalid() -> ValidationFailed:
    return ValidationFailed(
        _("The verification code is wrong or has expired. Ask for a new one."),
        code="phone_code_invalid",
        fields={"code": _("Wrong or expired code.")},
    )


def _checked_phone(phone: str) -> str:
    try:
        return check_phone(phone)
    except FieldInvalid as invalid:
        message = invalid.message
        raise ValidationFailed(message, code=invalid.code, fields={"phone": message}) from None


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _code_hash(phone_index: str, code: str) -> str:
    key = hmac.new(key_ring().blind_index_key, b"phone-code", hashlib.sha256).digest()
    message = f"{phone_index}\x00{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _locked(model, defaults=None, **key):
    """The row of ``key``, created (with ``defaults``) if missing, locked until the transaction
    ends. SQLite's INSERT OR IGNORE also skips a NOT NULL failure: give every required field."""
    model.objects.bulk_create([model(**key, **(defaults or {}))], ignore_conflicts=True)
    return model.objects.select_for_update().get(**key)


def count_request(*, scope: str, key: str, limit: int, window_seconds: int) -> None:
    """Count one request of ``key`` in ``scope`` (fixed window), or refuse it with 429 when
    ``limit`` requests were counted in the current window. Commits on its own."""
    now = timezone.now()
    window = dt.timedelta(seconds=window_seconds)
    with transaction.atomic(durable=True):
        row = _locked(
            RequestThrottle, {"window_started_at": now}, scope=scope, key=key[:BLIND_INDEX_LENGTH]
        )
        if row.hits == 0 or now - row.window_started_at >= window:
            row.window_started_at, row.hits = now, 0
        if row.hits >= limit:
            raise TooManyRequests(retry_after=_seconds_until(row.window_started_at + window, now))
        row.hits += 1
        row.save(update_fields=["window_started_at", "hits"])


def request_phone_code(
    *, phone: str, purpose: str, client_ip: str, language: str = "zh-hans"
) -> None:
    """Send a new code to ``phone`` for ``purpose`` (registration, sign-in). The outcome says
    nothing about the phone: a phone no customer has, asking to sign in, gets an SMS saying so
    instead of a code (and the code stored for it can never be used: no customer to sign in)."""
    if purpose not in PhoneCodePurpose.values:
        raise ValueError(f"unknown phone code purpose {purpose!r}")
    number = _checked_phone(phone)
    count_request(
        scope="phone_code.address",
        key=client_ip,
        limit=settings.PHONE_CODE_ADDRESS_LIMIT,
        window_seconds=settings.PHONE_CODE_ADDRESS_WINDOW_SECONDS,
    )
    index = blind_index("phone", number)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic(durable=True):
        row = _locked(PhoneCode, purpose=purpose, phone_index=index)
        cooldown = dt.timedelta(seconds=settings.PHONE_CODE_RESEND_SECONDS)
        if row.sent_at is not None and now < row.sent_at + cooldown:
            raise TooManyRequests(retry_after=_seconds_until(row.sent_at + cooldown, now))
        if row.window_started_at is None or now - row.window_started_at >= SENDS_WINDOW:
            row.window_started_at, row.sends = now, 0
        if row.sends >= settings.PHONE_CODE_MAX_SENDS_PER_HOUR:
            raise TooManyRequests(
                retry_after=_seconds_until(row.window_started_at + SENDS_WINDOW, now)
            )
        row.sends += 1
        row.code_hash = _code_hash(index, code)
        row.sent_at = now
        row.expires_at = now + dt.timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS)
        row.tries = 0
        row.save()
        # Every request sends one SMS, so neither the reply nor its timing tells a customer's
        # phone from a stranger's; a stranger asking to sign in is told there is no account
        # (and gets no code).
        has_account = Customer.objects.filter(phone_index=index).exists()
        events.publish(
            PhoneCodeRequested(
                phone=number,
                code="" if purpose == PhoneCodePurpose.SIGN_IN and not has_account else code,
                purpose=purpose,
                language=language if language in {"zh-hans", "en"} else "zh-hans",
                expires_in_minutes=settings.PHONE_CODE_TTL_SECONDS // 60,
            )
        )


def use_phone_code(*, phone: str, purpose: str, code: str) -> str:
    """Spend the code sent to ``phone`` for ``purpose``; returns the phone's 11 digits.

    A wrong, expired, used or missing code is 422 ``phone_code_invalid`` (field ``code``), and a
    wrong answer is counted (committed even though the caller is refused); after
    ``PHONE_CODE_MAX_TRIES`` wrong answers the code is dead. A right code works once.
    """
    number = _checked_phone(phone)
    code = (code or "").strip()
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        raise phone_code_invalid()
    index = blind_index("phone", number)
    now = timezone.now()
    accepted = False
    with transaction.atomic(durable=True):
        row = (
            PhoneCode.objects.select_for_update().filter(purpose=purpose, phone_index=index).first()
        )
        live = (
            row is not None
            and row.code_hash
            and row.expires_at is not None
            and now < row.expires_at
            and row.tries < settings.PHONE_CODE_MAX_TRIES
        )
        if live:
            accepted = hmac.compare_digest(row.code_hash, _code_hash(index, code))
            if accepted:
                row.code_hash, row.expires_at = "", None
            else:
                row.tries += 1
            row.save(update_fields=["code_hash", "expires_at", "tries"])
    if not accepted:
        raise phone_code_invalid()
    return number


def purge_phone_codes() -> int:
    """Delete codes and request counters that hold nothing any more: no live code, and no send
    or request within their windows (the next request would start afresh anyway)."""
    now = timezone.now()
    codes, _detail = (
        PhoneCode.objects.filter(window_started_at__lt=now - SENDS_WINDOW)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=now))
        .delete()
    )
    window = dt.timedelta(seconds=settings.PHONE_CODE_ADDRESS_WINDOW_SECONDS)
    counters, _detail = RequestThrottle.objects.filter(window_started_at__lt=now - window).delete()
    return codes + counters
