"""A request id on every request: taken from ``X-Request-ID`` when sane, else generated.

The audit trail stores it so one API call can be traced through every record it wrote; it is
kept for the request in ``kernel.request_context``, where services read it.
"""

from __future__ import annotations

import re
import uuid

from microloan.kernel.request_context import request_id_set_to

_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        with request_id_set_to(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def client_ip(request) -> str:
    """The address the request came from, as the web server saw it.

    ``REMOTE_ADDR`` only: ``X-Forwarded-For`` is whatever the client wants it to be unless a
    trusted proxy rewrites it, and login limits keyed on it could be dodged by lying.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"
