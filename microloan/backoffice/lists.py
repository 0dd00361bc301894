"""The one filtered, paginated list page of the back office.

A list page reads its filter form from the query string, asks a service for one page of rows
and renders either the whole page or, for an HTMX swap, only the results fragment, whose pager
is ``backoffice/_pager.html``. Two kinds of service answer:

- a *finder* takes the filters with ``page`` and ``page_size`` and returns a
  ``kernel.pagination.Page`` (strict: a refused filter comes back as the form's error, 422);
- a *query* returns rows (a queryset or a list), paged here leniently with ``display_page``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from microloan.kernel.errors import DomainError
from microloan.kernel.pagination import Page, page_for_display

from .decorators import actor_for
from .pages import is_fragment_request, page_number

PAGE_SIZE = 50


def given(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters the user filled in (an empty field filters nothing)."""
    return {name: value for name, value in filters.items() if value not in ("", None)}


def display_page(request, rows, page_size: int = PAGE_SIZE) -> Page:
    """The page of ``rows`` the ``page`` query parameter asks for (page 1 when it is not a
    number, the last page when it is past the end)."""
    return page_for_display(rows, request.GET.get("page"), page_size)


def filtered_page(
    request, form: forms.Form, find: Callable[..., Page], *, page_size: int = PAGE_SIZE
) -> tuple[Page | None, Any]:
    """``(page, error)``: the finder's page for the valid ``form`` (unbound: no filters), or
    ``None`` and the form's errors, or the service's refused fields."""
    if form.is_bound and not form.is_valid():
        return None, form.errors
    filters = given(form.cleaned_data) if form.is_bound else {}
    try:
        page = find(
            actor=actor_for(request), **filters, page=page_number(request), page_size=page_size
        )
    except DomainError as refusal:
        return None, refusal.as_dict()["fields"]
    return page, None


def render_list(
    request, full: str, fragment: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """The whole page, or only its results ``fragment`` for an HTMX swap (a history restore
    needs the whole page); the answer varies with ``HX-Request`` so caches keep both."""
    template = fragment if is_fragment_request(request) else full
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
