"""Pydantic types for what the API takes, so each input means one thing and cannot overflow.

- ``ApiDate`` / ``ApiDateTime``: ISO text (or a date object from Python callers) between
  1900-01-01 and 2199-12-31. Pydantic alone reads ``0`` as 1970-01-01 and "9999-12-31" as a
  date that overflows the first month added to it.
- ``BodyInt`` / ``BodyBool``: JSON numbers and booleans only; ``"12"`` is not 12 and ``true``
  is not 1. Query parameters arrive as text and keep plain ``int``/``bool``, bounded.
- ``PageNumber`` / ``PageSize`` and ``PageParams``: the one pagination every list route takes,
  bounded so that ``(page - 1) * page_size`` fits a 64-bit SQL integer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
# Bound for counts and day numbers in query filters (days past due, limits): any real value
# fits, and nothing near 64 bits reaches SQL.
MAX_QUERY_INT = 1_000_000_000

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?", re.ASCII)


def _date_text(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError(_("Must be a date (YYYY-MM-DD)."))


def _datetime_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        return value
    raise ValueError(_("Must be a date and time (ISO 8601)."))


def _date_in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(
            _("Must be between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
        )
    return value


ApiDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_date_in_range)]
ApiDateTime = Annotated[
    dt.datetime, BeforeValidator(_datetime_text), AfterValidator(_date_in_range)
]

BodyInt = StrictInt
BodyBool = StrictBool

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
QueryInt = Annotated[int, Field(ge=-MAX_QUERY_INT, le=MAX_QUERY_INT)]


class PageParams(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
