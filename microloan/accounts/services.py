"""Staff sign-in with failed-login limits, and API tokens for staff and borrowers.

A raw token is ``mls_…`` (staff) or ``mlb_…`` (borrower) followed by 256 random bits; it is
returned once and only its SHA-256 is stored. Tokens are high-entropy, so an unsalted fast hash
is enough: nobody can guess a preimage, and look-up by hash stays one indexed query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
    is_database_busy,
)
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH, new_public_id

from .lockout import lockout_seconds
from .models import BorrowerApiToken, LoginThrottle, StaffApiToken, StaffUser

STAFF_TOKEN_PREFIX = "mls_"
BORROWER_TOKEN_PREFIX = "mlb_"
TOKEN_NAME_MAX_LENGTH = 100
MANAGE_TOKENS_PERMISSION = "accounts.manage_api_tokens"
DEFAULT_BORROWER_TOKEN_LIFETIME = dt.timedelta(days=30)
# last_used_at is informational: writing it on every request would turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TooManyLoginAttempts(DomainError):
    code = "too_many_login_attempts"
    status = 429
    default_message = _("Too many failed sign-in attempts. Try again later.")

    def __init__(self, *, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after  # seconds; the API sends it as Retry-After


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_raw_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


# --- staff sign-in ---------------------------------------------------------------------------


def authenticate_staff(*, username: str, password: str, client_ip: str) -> StaffUser:
    """The active staff user with these credentials, or a refusal.

    Each attempt is first counted against its username at this address and against the address
    (``LoginThrottle``), in one transaction that locks both rows, and only then is the password
    checked: so N parallel attempts make at most ``LOGIN_FAILURE_LIMIT`` password checks. A key
    that reaches its limit is locked, for ``LOGIN_LOCKOUT_SECONDS`` doubling with each further
    failure up to ``LOGIN_LOCKOUT_MAX_SECONDS``; an attempt on a locked key is
    ``too_many_login_attempts`` (429, ``retry_after``) with no answer about the password. A wrong
    password or an inactive user is ``invalid_credentials`` (401). Success clears the username's
    count at this address and takes the attempt back from the address's. Call it outside any
    transaction: the count must commit even when the caller's work is refused.
    """
    username = username[:150]
    client_ip = client_ip[:45]
    if not username:
        raise NotAuthenticated(_("Wrong username or password."), code="invalid_credentials")
    _count_attempt(username=username, client_ip=client_ip, now=timezone.now())
    user = authenticate(None, username=username, password=password)
    if user is None:
        raise NotAuthenticated(_("Wrong username or password."), code="invalid_credentials")
    with transaction.atomic(durable=True):
        LoginThrottle.objects.filter(username=username, client_ip=client_ip).delete()
        LoginThrottle.objects.filter(username="", client_ip=client_ip, failures__gt=0).update(
            failures=F("failures") - 1
        )
    return user


def _count_attempt(*, username: str, client_ip: str, now: dt.datetime) -> None:
    """Count one attempt on the username at this address and on the address, or refuse it
    when either key is locked (then nothing is counted)."""
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    keys = {username: settings.LOGIN_FAILURE_LIMIT, "": settings.LOGIN_ADDRESS_FAILURE_LIMIT}
    with transaction.atomic(durable=True):
        # Both rows exist before they are locked: a concurrent first attempt inserts nothing
        # twice (ON CONFLICT DO NOTHING), and the lock below is then taken on a real row. On
        # SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE).
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(username=name, client_ip=client_ip) for name in keys],
            ignore_conflicts=True,
        )
        rows = list(
            LoginThrottle.objects.select_for_update()
            .filter(client_ip=client_ip, username__in=list(keys))
            .order_by("username")  # one lock order for every caller: no deadlock
        )
        retry_after = max(
            (_seconds_left(row.locked_until, now) for row in rows if row.locked_until),
            default=0,
        )
        if retry_after:
            raise TooManyLoginAttempts(retry_after=retry_after)
        for row in rows:
            quiet_since = row.locked_until or row.last_failure_at
            if quiet_since is not None and now - quiet_since > window:
                row.failures = 0  # forgotten: a window passed since the last failure's lock
            row.failures += 1
            row.last_failure_at = now
            wait = lockout_seconds(
                row.failures,
                limit=keys[row.username],
                base=settings.LOGIN_LOCKOUT_SECONDS,
                cap=settings.LOGIN_LOCKOUT_MAX_SECONDS,
            )
            row.locked_until = now + dt.timedelta(seconds=wait) if wait else None
            row.save(update_fields=["failures", "last_failure_at", "locked_until"])


def _seconds_left(until: dt.datetime, now: dt.datetime) -> int:
    left = (until - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


def purge_login_throttles(*, older_than: dt.datetime) -> int:
    """Delete throttles that no longer hold anything back: not locked, and no failure since
    ``older_than`` (then the next attempt would start the count again anyway)."""
    deleted, _detail = (
        LoginThrottle.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=older_than))
        .filter(Q(last_failure_at__isnull=True) | Q(last_failure_at__lt=older_than))
        .delete()
    )
    return deleted


# --- staff tokens ----------------------------------------------------------------------------


def _clean_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": _("This field is required.")})
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationFailed(
            fields={"name": _("At most %(n)d characters.") % {"n": TOKEN_NAME_MAX_LENGTH}}
        )
    return name


def create_staff_token(
    *, actor: Actor, name: str, expires_at: dt.datetime | None = None
) -> tuple[StaffApiToken, str]:
    """A new API token for the acting staff member; returns (token, raw value shown once)."""
    if actor.kind != "staff" or actor.user_pk is None:
        raise NotAuthenticated()
    name = _clean_token_name(name)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(fields={"expires_at": _("The expiry must be in the future.")})
    raw = _new_raw_token(STAFF_TOKEN_PREFIX)
    with transaction.atomic():
        token = StaffApiToken.objects.create(
            public_id=new_public_id("tok"),
            user_id=actor.user_pk,
            name=name,
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        record_audit(
            actor=actor,
            action="api_token.created",
            object_type="staff_api_token",
            object_id=token.public_id,
            after={"user": actor.id, "token_name": name, "expires_at": expires_at},
        )
    return token, raw


def list_staff_tokens(*, actor: Actor, include_revoked: bool = False) -> QuerySet[StaffApiToken]:
    """The acting staff member's own tokens, newest first."""
    if actor.user_pk is None:
        return StaffApiToken.objects.none()
    tokens = StaffApiToken.objects.filter(user_id=actor.user_pk)
    return tokens if include_revoked else tokens.filter(revoked_at__isnull=True)


def revoke_staff_token(*, actor: Actor, token_id: str) -> StaffApiToken:
    """Revoke one of the actor's own tokens (any token with ``accounts.manage_api_tokens``).

    Someone else's token is ``not_found`` to a caller who may not manage it, so ids of other
    people's tokens cannot be probed. Revoking a revoked token changes nothing.
    """
    with transaction.atomic():
        token = (
            StaffApiToken.objects.select_for_update()
            .select_related("user")
            .filter(public_id=token_id)
            .first()
        )
        if token is None or (
            token.user_id != actor.user_pk and not actor.has_perm(MANAGE_TOKENS_PERMISSION)
        ):
            raise NotFound(_("No such API token."), code="token_not_found")
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(
            actor=actor,
            action="api_token.revoked",
            object_type="staff_api_token",
            object_id=token.public_id,
            before={"user": token.user.get_username(), "revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
    return token


def resolve_staff_token(raw: str) -> Actor | None:
    """The staff actor a raw ``mls_`` token stands for, or None when it does not open anything
    (unknown, revoked, expired, or its user is inactive)."""
    if not raw.startswith(STAFF_TOKEN_PREFIX):
        return None
    token = (
        StaffApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    _touch(StaffApiToken, token, now)
    return Actor.from_user(token.user)


def _touch(model, token, now: dt.datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Recording use is informational: a busy database must not fail the request it rides on.
        try:
            with transaction.atomic():
                model.objects.filter(pk=token.pk).update(last_used_at=now)
        except OperationalError as exc:
            if not is_database_busy(exc):
                raise


# --- borrower tokens -------------------------------------------------------------------------


def issue_borrower_token(
    *,
    borrower_id: str,
    lifetime: dt.timedelta | None = DEFAULT_BORROWER_TOKEN_LIFETIME,
    actor: Actor | None = None,
) -> str:
    """A new API token for a borrower who has just signed in; returns the raw value.

    ``actor`` is who issued it for the audit trail (default: the borrower). ``lifetime`` None
    means it lasts until revoked.
    """
    if not borrower_id or len(borrower_id) > PUBLIC_ID_MAX_LENGTH:
        raise ValidationFailed(fields={"borrower_id": _("Not a valid borrower id.")})
    raw = _new_raw_token(BORROWER_TOKEN_PREFIX)
    expires_at = timezone.now() + lifetime if lifetime is not None else None
    with transaction.atomic():
        token = BorrowerApiToken.objects.create(
            public_id=new_public_id("btok"),
            borrower_id=borrower_id,
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        record_audit(
            actor=actor or Actor.borrower(borrower_id),
            action="borrower_token.issued",
            object_type="borrower_api_token",
            object_id=token.public_id,
            after={"borrower": borrower_id, "expires_at": expires_at},
        )
    return raw


def _revoke_borrower_tokens(tokens: QuerySet[BorrowerApiToken], actor: Actor) -> int:
    now = timezone.now()
    revoked = 0
    for token in tokens.select_for_update().filter(revoked_at__isnull=True):
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        record_audit(
            actor=actor,
            action="borrower_token.revoked",
            object_type="borrower_api_token",
            object_id=token.public_id,
            before={"borrower": token.borrower_id, "revoked_at": None},
            after={"revoked_at": now},
        )
        revoked += 1
    return revoked


def revoke_borrower_token(*, raw: str) -> None:
    """Sign a borrower out: revoke the token presented. Unknown or revoked tokens are ignored."""
    with transaction.atomic():
        token = BorrowerApiToken.objects.filter(token_hash=hash_token(raw)).first()
        if token is not None:
            _revoke_borrower_tokens(
                BorrowerApiToken.objects.filter(pk=token.pk), Actor.borrower(token.borrower_id)
            )


def revoke_borrower_tokens(*, actor: Actor, borrower_id: str) -> int:
    """Revoke every live token of a borrower (account closed, suspected fraud). Needs
    ``accounts.manage_api_tokens``; returns how many were revoked."""
    actor.require(MANAGE_TOKENS_PERMISSION)
    with transaction.atomic():
        return _revoke_borrower_tokens(
            BorrowerApiToken.objects.filter(borrower_id=borrower_id), actor
        )


def resolve_borrower_token(raw: str) -> Actor | None:
    """The borrower actor a raw ``mlb_`` token stands for, or None when it does not open
    anything (unknown, revoked or expired)."""
    if not raw.startswith(BORROWER_TOKEN_PREFIX):
        return None
    token = BorrowerApiToken.objects.filter(
        token_hash=hash_token(raw), revoked_at__isnull=True
    ).first()
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    _touch(BorrowerApiToken, token, now)
    return Actor.borrower(token.borrower_id)
