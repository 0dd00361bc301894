"""``MicroloanAPI``: a NinjaAPI that reads only JSON bodies and answers errors in our shape.

Use it for every API instance (the root one in ``root.py``, and test-only ones) so they all
parse and fail alike.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.parser import Parser

from .errors import EXCEPTION_HANDLERS, MalformedJson, UnsupportedMediaType


class JsonBodyParser(Parser):
    """Bodies must be declared JSON (``application/json`` or ``*+json``) and be valid JSON."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType()
        try:
            return json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            raise MalformedJson() from exc


class MicroloanAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JsonBodyParser())
        super().__init__(**kwargs)

    def set_default_exception_handlers(self) -> None:
        for exc_class, handler in EXCEPTION_HANDLERS:
            self.add_exception_handler(exc_class, handler)

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        """ninja's errors plus ``field``: the dotted path the client knows.

        ninja locates a body error as ("body", <view argument name>, "items", 0, "term"); the
        argument name means nothing to the client when the schema is the whole body, so it is
        dropped: "items.0.term". Query, path and header errors keep their parameter name.
        """
        error = super().validation_error_from_error_contexts(error_contexts)
        located = iter(error.errors)
        for context in error_contexts:
            single_body_arg = getattr(context.model, "__read_from_single_attr__", None)
            for _pydantic_error in context.pydantic_validation_error.errors():
                item = next(located)
                source, *path = item["loc"]
                if source == "body" and single_body_arg and path[:1] == [single_body_arg]:
                    path = path[1:]
                item["field"] = ".".join(str(part) for part in path) or str(source)
        return error
