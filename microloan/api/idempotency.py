"""``@idempotent``: a POST sent twice with the same ``Idempotency-Key`` takes effect once.

    @router.post("/products", auth=staff_auth("products.add_productversion"), response={201: Out})
    @idempotent
    def create_product(request, payload: ProductIn): ...

The header (1–255 visible ASCII characters) is required on such routes. Keys belong to the
caller (the staff user or borrower behind the bearer token, else the client address) and to
method + path. Auth runs first, so a refused caller never holds a key. Then:

1. Claim, in its own committed transaction: insert the key as ``in_flight`` with a 60-second
   lease. If it exists: completed with the same input → replay the stored reply with
   ``Idempotent-Replayed: true``; other input → 422 ``idempotency_key_reused``; in flight with a
   live lease → 409 ``idempotency_request_in_flight``; in flight with an expired lease (that
   process died; its business transaction never committed) → take it over.
2. Run the operation in ``transaction.atomic()`` and, in that same transaction, store the reply
   and mark the key completed, so business writes and the reply commit together or not at all.
   The key's row stays locked meanwhile, so on PostgreSQL a request whose lease ran out while
   its process still works is answered 409, never taken over and run twice. Replies that say
   nothing about the request's effect are not kept and their writes are rolled back (5xx,
   401/403, and input refused before it could run: malformed JSON, validation); the key is
   released so a retry runs afresh. On SQLite one writer runs at a time, so a concurrent
   duplicate waits for the first (busy timeout) and then gets its replay.

Only the status, body and content type are stored and replayed. Keys are kept at least
``IDEMPOTENCY_KEY_TTL_HOURS`` (never under 24); ``microloan purge_idempotency_keys`` deletes older
ones, and a key older than that is treated as new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import re
import uuid
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.decorators import decorate_view
from ninja.errors import ConfigError
from ninja.operation import AsyncOperation, Operation

from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, DomainError

from .auth import borrower_actor, staff_actor
from .errors import (
    JSON_CONTENT_TYPE,
    PayloadTooLarge,
    error_response,
    handle_domain_error,
    input_was_rejected,
)
from .middleware import client_ip
from .models import IdempotencyKey

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
LEASE = dt.timedelta(seconds=60)
MIN_TTL_HOURS = 24
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
_PATH_MAX_LENGTH = 500
_CLAIM_ATTEMPTS = 3
_OPENAPI_HEADER = {
    "in": "header",
    "name": KEY_HEADER,
    "required": True,
    "description": "Unique per intended action; a retry sends the same key and body.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _key_required() -> DomainError:
    return DomainError(
        _("This request needs an Idempotency-Key header."),
        code="idempotency_key_required",
        fields={KEY_HEADER: _("This field is required.")},
    )


def _key_invalid() -> DomainError:
    return DomainError(
        _("The Idempotency-Key header must be 1 to 255 visible ASCII characters."),
        code="idempotency_key_invalid",
        fields={KEY_HEADER: _("Not in the expected format.")},
    )


def _key_reused() -> DomainError:
    return DomainError(
        _("This Idempotency-Key was already used with a different request."),
        code="idempotency_key_reused",
        status=422,
    )


def _in_flight() -> DomainError:
    return Conflict(
        _("A request with this Idempotency-Key is still being processed. Retry later."),
        code="idempotency_request_in_flight",
    )


@dataclass(frozen=True)
class _Claim:
    pk: int
    lease_id: uuid.UUID


class _Discard(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__()
        self.response = response


class _LeaseLost(Exception):
    pass


def idempotent(view_func):
    """Make a ninja operation require an ``Idempotency-Key`` and take effect once per key.

    Put it directly under the ``@router.post(...)`` line.
    """
    return decorate_view(_idempotent_run)(view_func)


def _idempotent_run(run):
    operation = getattr(inspect.unwrap(run), "__self__", None)
    if not isinstance(operation, Operation):
        raise ConfigError("@idempotent could not find its operation; put it right under @router")
    if isinstance(operation, AsyncOperation) or operation.stream_format:
        raise ConfigError("@idempotent supports synchronous, non-streaming operations only")
    _document_header(operation)

    @wraps(run)
    def run_idempotently(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        refusal = operation._run_checks(request)  # auth first: refused callers claim nothing
        if refusal is not None:
            return refusal
        key = request.headers.get(KEY_HEADER)
        if key is None:
            return handle_domain_error(request, _key_required())
        if not _KEY_PATTERN.match(key) or len(request.path) > _PATH_MAX_LENGTH:
            return handle_domain_error(request, _key_invalid())
        try:
            fingerprint = _request_hash(request)
        except PayloadTooLarge as exc:
            return handle_domain_error(request, exc)
        outcome = _claim(
            caller=_caller(request),
            method=request.method,
            path=request.path,
            key=key,
            request_hash=fingerprint,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        return _run_claimed(run, request, kwargs, outcome)

    return run_idempotently


def _document_header(operation: Operation) -> None:
    extra = dict(operation.openapi_extra or {})
    parameters = list(extra.get("parameters", []))
    if _OPENAPI_HEADER not in parameters:  # clones re-apply view decorators: add it once
        parameters.append(_OPENAPI_HEADER)
    extra["parameters"] = parameters
    operation.openapi_extra = extra


def _caller(request: HttpRequest) -> str:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor):
        actor = staff_actor(request) or borrower_actor(request)
    if actor is not None and actor.kind == "staff":
        return f"staff:{actor.user_pk}"
    if actor is not None and actor.kind == "borrower":
        return f"borrower:{actor.id}"
    return f"anonymous:{client_ip(request)}"


def _request_hash(request: HttpRequest) -> str:
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge() from exc
    digest = hashlib.sha256(request.META.get("QUERY_STRING", "").encode("utf-8", "surrogateescape"))
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _ttl() -> dt.timedelta:
    return dt.timedelta(hours=max(settings.IDEMPOTENCY_KEY_TTL_HOURS, MIN_TTL_HOURS))


def _claim(
    *, caller: str, method: str, path: str, key: str, request_hash: str
) -> _Claim | HttpResponse:
    identity = {"caller": caller, "method": method, "path": path, "key": key}
    for _attempt in range(_CLAIM_ATTEMPTS):
        now = timezone.now()
        lease_id = uuid.uuid4()
        fresh = {
            "request_hash": request_hash,
            "status": IdempotencyKey.Status.IN_FLIGHT,
            "lease_id": lease_id,
            "locked_until": now + LEASE,
            "created_at": now,
            "response_status": None,
            "response_body": b"",
            "response_content_type": "",
            "completed_at": None,
        }
        with transaction.atomic(durable=True):
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(**identity, **fresh)
                return _Claim(row.pk, lease_id)
            except IntegrityError:
                pass
            try:
                with transaction.atomic():
                    # A request still running holds its row locked (step 2): do not wait for it.
                    row = (
                        IdempotencyKey.objects.select_for_update(nowait=True)
                        .filter(**identity)
                        .first()
                    )
            except OperationalError:  # PostgreSQL: lock not available
                return _error(_in_flight())
            if row is None:
                continue  # its request failed and released the key meanwhile: try again
            if row.created_at >= now - _ttl():
                if row.request_hash != request_hash:
                    return _error(_key_reused())
                if row.status == IdempotencyKey.Status.COMPLETED:
                    return _replay(row)
                if row.locked_until > now:
                    return _error(_in_flight())
            # The lease ran out (its process died) or the key outlived its TTL: take it over.
            for field, value in fresh.items():
                setattr(row, field, value)
            row.save()
            return _Claim(row.pk, lease_id)
    return _error(_in_flight())


def _run_claimed(run, request: HttpRequest, kwargs: dict, claim: _Claim) -> HttpResponse:
    try:
        # Durable: the use case's own transaction is the outermost one (a service that opened
        # it inside another would commit with that one, and fail here instead).
        with transaction.atomic(durable=True):
            held = IdempotencyKey.objects.select_for_update().filter(
                pk=claim.pk, lease_id=claim.lease_id, status=IdempotencyKey.Status.IN_FLIGHT
            )
            if not list(held.values_list("pk", flat=True)):
                raise _LeaseLost()
            response = run(request, **kwargs)
            if not _keep(request, response):
                raise _Discard(response)
            if response.streaming:
                raise TypeError("an @idempotent operation returned a streaming response")
            IdempotencyKey.objects.filter(pk=claim.pk).update(
                status=IdempotencyKey.Status.COMPLETED,
                response_status=response.status_code,
                response_body=bytes(response.content),
                response_content_type=response.get("Content-Type", ""),
                completed_at=timezone.now(),
            )
    except _Discard as discarded:
        _release(claim)
        return discarded.response
    except _LeaseLost:
        return _error(_in_flight())
    except BaseException:
        _release(claim)
        raise
    return response


def _keep(request: HttpRequest, response: HttpResponse) -> bool:
    status = response.status_code
    return status < 500 and status not in (401, 403) and not input_was_rejected(request)


def _release(claim: _Claim) -> None:
    with transaction.atomic(durable=True):
        IdempotencyKey.objects.filter(pk=claim.pk, lease_id=claim.lease_id).delete()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(row.response_body),
        status=row.response_status,
        content_type=row.response_content_type or JSON_CONTENT_TYPE,
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _error(exc: DomainError) -> HttpResponse:
    body = exc.as_dict()
    return error_response(exc.status, body["code"], body["message"], body["fields"])


def purge_idempotency_keys(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than the TTL; returns how many."""
    cutoff = (now or timezone.now()) - _ttl()
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
