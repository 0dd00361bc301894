"""Small helpers every app's back-office views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import Http404

from microloan.kernel.errors import DomainError, NotFound

T = TypeVar("T")


def page_number(request) -> int:
    """The ``page`` query parameter as a page number (1 when absent or not a number)."""
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def flash_refusal(request, refusal: DomainError) -> None:
    """Show a service's refusal on the next page: its message and each field's problem."""
    details = "; ".join(f"{field}: {problem}" for field, problem in (refusal.fields or {}).items())
    messages.error(request, f"{refusal.message} {details}".strip())


def is_fragment_request(request) -> bool:
    """An HTMX swap wants the fragment; a history restore needs the whole page again."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def run_action(request, action: Callable[[], T]) -> T | None:
    """Run a page's service call: an unknown object is a 404, a refusal is shown on the next
    page (None is returned), anything else is the service's result."""
    try:
        return action()
    except NotFound:
        raise Http404 from None
    except DomainError as refusal:
        flash_refusal(request, refusal)
        return None
