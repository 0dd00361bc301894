"""ninja's page-number pagination with the bounds every list route shares (``kernel.input_types``):
page 1..1,000,000 and 1..200 a page, so no page number reaches SQL as an overflowing offset."""

from __future__ import annotations

from ninja import Schema
from ninja.pagination import PageNumberPagination

from microloan.kernel.input_types import PageNumber, PageSize


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: PageNumber = 1
        page_size: PageSize | None = None
