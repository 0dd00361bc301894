"""What the current request is, for code far from the view: today its request id.

A ``ContextVar`` rather than a thread-local, so it follows the request into async code and is
empty (``""``) outside a request (end of day, management commands, tasks). The HTTP middleware
(``microloan.api.middleware``) sets it for the length of a request; services read it here, so
no service imports the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    """The id of the request being served, or ``""`` outside a request."""
    return _request_id.get()


@contextmanager
def request_id_set_to(request_id: str) -> Iterator[None]:
    """Make ``request_id`` the current request's id inside the block, restoring the outer one."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)
