"""Schemas shared by every router."""

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx/5xx body: a stable ``code``, a translated ``message``, and field problems."""

    code: str
    message: str
    fields: dict[str, Any]
