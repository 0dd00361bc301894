"""One shape for every error the API gives: ``{"code", "message", "fields"}``.

``code`` is the stable contract, ``message`` is translated into the request's language and
``fields`` maps a dotted field path ("amount", "items.0.term") to what is wrong with it. A 500
is always ``internal_error`` in this shape, logged with its traceback, DEBUG or not: API clients
never get an HTML page.

A database that is busy (SQLite's write lock held past the busy timeout, a PostgreSQL lock
timeout, serialization failure or deadlock) is ``503 database_busy`` with ``Retry-After``: the
same request can succeed a moment later, and the idempotency layer keeps no reply for it.

Input the server refused to read (malformed JSON, wrong content type, failed validation, too
large) marks the request so the idempotency layer does not keep a reply for it: the caller may
fix the body and retry with the same key.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from microloan.kernel.errors import DatabaseBusy, DomainError, ValidationFailed, is_database_busy

logger = logging.getLogger("microloan.api")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_INPUT_REJECTED = "_microloan_input_rejected"


class RequestRejected(DomainError):
    """The request could not be read at all (before any validation of its fields)."""


class MalformedJson(RequestRejected):
    code = "malformed_json"
    status = 400
    default_message = _("The request body is not valid JSON.")


class UnsupportedMediaType(RequestRejected):
    code = "unsupported_media_type"
    status = 415
    default_message = _("The request body must be JSON (Content-Type: application/json).")


class MalformedMultipart(RequestRejected):
    code = "malformed_multipart"
    status = 400
    default_message = _("The multipart body could not be read (is its boundary missing?).")


class PayloadTooLarge(RequestRejected):
    code = "payload_too_large"
    status = 413
    default_message = _("The request body is too large.")


def error_response(
    status: int, code: str, message: Any, fields: dict[str, Any] | None = None
) -> HttpResponse:
    body = {"code": code, "message": str(message), "fields": fields or {}}
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(content, status=status, content_type=JSON_CONTENT_TYPE)


def internal_error_response() -> HttpResponse:
    return error_response(
        500, "internal_error", _("An unexpected error occurred. It has been logged.")
    )


def method_not_allowed_response(allowed: str) -> HttpResponse:
    response = error_response(405, "method_not_allowed", _("This method is not allowed here."))
    response["Allow"] = allowed
    return response


def not_found_response() -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def mark_input_rejected(request: HttpRequest) -> None:
    setattr(request, _INPUT_REJECTED, True)


def input_was_rejected(request: HttpRequest) -> bool:
    return getattr(request, _INPUT_REJECTED, False)


# --- exception handlers (installed by MicroloanAPI) ------------------------------------------


def handle_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, ValidationFailed | RequestRejected):
        mark_input_rejected(request)
    body = exc.as_dict()
    response = error_response(exc.status, body["code"], body["message"], body["fields"])
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def handle_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    mark_input_rejected(request)
    fields: dict[str, str] = {}
    for error in exc.errors:
        path = error.get("field") or ".".join(str(part) for part in error["loc"])
        fields.setdefault(path, field_error_message(error))
    return error_response(422, "validation_failed", _("Some fields are invalid."), fields)


def handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps what the body parser raised in HttpError(400); the cause says what it was.
    if isinstance(exc.__cause__, DomainError):
        return handle_domain_error(request, exc.__cause__)
    if isinstance(exc, AuthenticationError):
        return error_response(
            401, "not_authenticated", _("Authentication credentials were missing or invalid.")
        )
    if isinstance(exc, AuthorizationError):
        return error_response(403, "permission_denied", _("You do not have permission to do this."))
    if isinstance(exc, Throttled):
        response = error_response(429, "too_many_requests", _("Too many requests."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response
    code = {400: "bad_request", 404: "not_found", 409: "conflict"}.get(
        exc.status_code, "http_error"
    )
    return error_response(exc.status_code, code, exc.message)


def handle_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found_response()


def handle_request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return handle_domain_error(request, PayloadTooLarge())


def handle_multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Django could not split a multipart body (no boundary…) that a route asked to read.
    return handle_domain_error(request, MalformedMultipart())


def handle_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_database_busy(exc):
        logger.warning("database busy on %s %s: %s", request.method, request.path, exc)
        return handle_domain_error(request, DatabaseBusy())
    logger.error("internal error on %s %s", request.method, request.path, exc_info=exc)
    return internal_error_response()


EXCEPTION_HANDLERS = [
    (Exception, handle_unexpected),
    (DomainError, handle_domain_error),
    (NinjaValidationError, handle_validation_error),
    (HttpError, handle_http_error),
    (Http404, handle_not_found),
    (RequestDataTooBig, handle_request_too_big),
    (MultiPartParserError, handle_multipart_error),
]


# --- validation messages ---------------------------------------------------------------------

_MESSAGES = {
    "missing": _("This field is required."),
    "extra_forbidden": _("Unknown field."),
    "string_too_long": _("At most %(max_length)s characters."),
    "string_too_short": _("At least %(min_length)s characters."),
    "string_pattern_mismatch": _("Not in the expected format."),
    "string_type": _("Must be a string."),
    "int_type": _("Must be a whole number."),
    "int_parsing": _("Must be a whole number."),
    "int_from_float": _("Must be a whole number."),
    "bool_type": _("Must be true or false."),
    "bool_parsing": _("Must be true or false."),
    "decimal_parsing": _("Must be a decimal number."),
    "decimal_type": _("Must be a decimal number."),
    "date_parsing": _("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": _("Must be a date (YYYY-MM-DD)."),
    "date_type": _("Must be a date (YYYY-MM-DD)."),
    "datetime_parsing": _("Must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": _("Must be a date and time (ISO 8601)."),
    "datetime_type": _("Must be a date and time (ISO 8601)."),
    "greater_than": _("Must be greater than %(gt)s."),
    "greater_than_equal": _("Must be at least %(ge)s."),
    "less_than": _("Must be less than %(lt)s."),
    "less_than_equal": _("Must be at most %(le)s."),
    "literal_error": _("Must be one of: %(expected)s."),
    "enum": _("Must be one of: %(expected)s."),
    "too_long": _("At most %(max_length)s items."),
    "too_short": _("At least %(min_length)s items."),
    "list_type": _("Must be a list."),
    "dict_type": _("Must be a JSON object."),
    "model_type": _("Must be a JSON object."),
    "model_attributes_type": _("Must be a JSON object."),
}


def field_error_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error, falling back to pydantic's own text."""
    kind = error.get("type", "")
    if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return str(_("Must not be empty."))
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            return str(template) % error.get("ctx", {})
        except (KeyError, TypeError, ValueError):
            return str(template)
    message = str(error.get("msg", ""))
    # A validator's own (already translated) message, without pydantic's "Value error, " prefix.
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
