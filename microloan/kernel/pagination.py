"""The one pagination: a ``Page`` of rows, taken strictly (services and the API: a page outside
the bounds is a 422) or leniently (back-office pages: a page past the end shows the last, as
Django's ``Paginator.get_page`` does), and its API shape (``page_of``).

Back-office templates render any ``Page`` with ``backoffice/_pager.html``; ``number``,
``has_previous`` and the like are the names Django's own page has, so either reads the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed
from .input_types import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Page", "page_for_display", "page_of", "paginate"]


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)

    @property
    def number(self) -> int:
        return self.page

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def previous_page_number(self) -> int:
        return self.page - 1

    @property
    def next_page_number(self) -> int:
        return self.page + 1

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        # A page is there even when it has no rows: pages test ``page`` for "the search ran".
        return True

    def map(self, shape: Callable[[Any], Any]) -> Page:
        """The same page with each item passed through ``shape``."""
        return replace(self, items=[shape(item) for item in self.items])


def paginate(rows: QuerySet | Sequence, page: int, page_size: int) -> Page:
    """Page ``page`` of ``rows``; a page below 1 or a size outside 1..200 is refused (422)."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            code="invalid_page", fields={"page": _("Pages start at 1; at most 200 per page.")}
        )
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = (page - 1) * page_size
    return Page(list(rows[start : start + page_size]), total, page, page_size)


def page_for_display(rows: QuerySet | Sequence, requested: Any, page_size: int) -> Page:
    """The page a back-office screen shows for the ``page`` query parameter ``requested``:
    not a number is page 1, past the end is the last page."""
    found = Paginator(rows, page_size).get_page(requested)
    return Page(list(found.object_list), found.paginator.count, found.number, page_size)


def page_of(page: Page, shape: Callable[[Any], Any]) -> dict[str, Any]:
    """A page as the API's list responses carry it: ``items``, ``total``, ``page``,
    ``page_size``."""
    return {
        "items": [shape(item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }
