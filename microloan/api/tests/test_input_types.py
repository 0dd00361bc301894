"""Every input of every route means one thing and cannot overflow (``kernel.input_types``).

Walks the input models of every operation of the root API: JSON-body ints and bools are strict
(``"12"`` is not 12, ``true`` is not 1), query ints are bounded, and every date goes through
``ApiDate``/``ApiDateTime`` (no ``0`` as 1970-01-01, nothing past 2199). A new field of a plain
type fails here before the fuzzer has to find it.
"""

from __future__ import annotations

import datetime as dt
import types
import typing

import annotated_types
import pytest
from pydantic import AfterValidator, BaseModel, Strict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from microloan.api.root import api
from microloan.kernel import input_types


def _operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield f"{method} /{prefix}{path}", operation


def _leaves(annotation, metadata):
    """(type, metadata) of each scalar an annotation can hold, through Optional/Union/list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        # Field(...) inside Annotated keeps its constraints in its own metadata
        extra = [n for m in extra for n in (m.metadata if isinstance(m, FieldInfo) else [m])]
        yield from _leaves(inner, [*metadata, *extra])
    elif origin in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from _leaves(arg, metadata)
    else:
        yield annotation, metadata


def _fields(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        for leaf, metadata in _leaves(info.annotation, list(info.metadata)):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                yield from _fields(leaf, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", leaf, metadata


def _strict(metadata) -> bool:
    return any(isinstance(m, Strict) and m.strict for m in metadata)


def _bounded(metadata) -> bool:
    upper = any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in metadata)
    lower = any(isinstance(m, annotated_types.Ge | annotated_types.Gt) for m in metadata)
    return upper and lower


def _date_checked(metadata) -> bool:
    return any(
        isinstance(m, AfterValidator) and m.func is input_types._date_in_range for m in metadata
    )


def _problems():
    for route, operation in _operations():
        for model in operation.models:
            source = model.__ninja_param_source__
            for path, leaf, metadata in _fields(model):
                where = f"{route} {source} {path}"
                if leaf in (dt.date, dt.datetime) and not _date_checked(metadata):
                    yield f"{where}: a date without ApiDate/ApiDateTime"
                elif leaf is bool and source == "body" and not _strict(metadata):
                    yield f"{where}: a body bool that is not BodyBool"
                elif leaf is int and source == "body" and not _strict(metadata):
                    yield f"{where}: a body int that is not BodyInt"
                elif leaf is int and source != "body" and not _bounded(metadata):
                    yield f"{where}: a {source} int without both bounds"


def test_every_input_int_bool_and_date_is_strict_and_bounded():
    assert list(_problems()) == []


def test_the_walk_sees_the_inputs_it_checks():
    # The check above would pass vacuously if the walk found nothing.
    kinds = {
        (model.__ninja_param_source__, leaf)
        for _route, operation in _operations()
        for model in operation.models
        for _path, leaf, _metadata in _fields(model)
    }
    assert {("body", int), ("body", bool), ("query", int), ("query", dt.date)} <= kinds


@pytest.mark.parametrize(
    "value", [0, 1.5, True, "0", "20260101", "2026-1-1", "１９９０-０１-０１", "9999-12-31"]
)
def test_api_date_refuses_numbers_odd_text_and_far_years(value):
    with pytest.raises(ValidationError):
        TypeAdapter(input_types.ApiDate).validate_python(value)


def test_api_date_reads_iso_text_in_range():
    adapter = TypeAdapter(input_types.ApiDate)
    assert adapter.validate_python("2199-12-31") == dt.date(2199, 12, 31)
    assert adapter.validate_python(dt.date(1900, 1, 1)) == dt.date(1900, 1, 1)
