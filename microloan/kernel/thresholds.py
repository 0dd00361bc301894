"""Typed thresholds: one pydantic schema per kind of versioned configuration, with bounds.

A kind's schema subclasses ``Thresholds`` (strict: a whole number is not a string or a
boolean; unknown keys are refused). ``checked_thresholds`` turns every problem at once into
the 422 the API has always given: code ``invalid_thresholds``, one field per problem named by
its dotted path (``changes.max_age``, ``decision.income_multiplier.A``), worded in the active
language. Rules between fields go in ``Thresholds.problems``, run once the fields are valid.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .errors import ValidationFailed

INTEGER_ERRORS = frozenset({"int_type", "int_parsing", "int_from_float"})
NUMBER_ERRORS = frozenset({"float_type", "float_parsing", "finite_number"})
RANGE_ERRORS = frozenset({"greater_than_equal", "less_than_equal", "greater_than", "less_than"})
OBJECT_ERRORS = frozenset({"model_type", "dict_type", "model_attributes_type"})


def refuse(message: Any) -> PydanticCustomError:
    """A problem in our own words, for a validator to raise (``raise refuse(_("…"))``)."""
    return PydanticCustomError("config_rule", "{message}", {"message": message})


class Thresholds(BaseModel):
    """Base of a kind's schema. The class attributes word the problems (override per kind)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    refused_message: ClassVar[Any] = None  # the 422's message (None: "Some fields are invalid.")
    unknown_message: ClassVar[Any] = _("Unknown threshold.")
    missing_message: ClassVar[Any] = _("This field is required.")
    # One wording for a bad whole number, its type or its range; %(low)s, %(high)s are bounds.
    integer_message: ClassVar[Any] = _("A whole number from %(low)d to %(high)d.")
    integer_type_message: ClassVar[Any] = None  # when set: the wording of a wrong type
    number_message: ClassVar[Any] = _("A number from %(low)s to %(high)s.")
    number_type_message: ClassVar[Any] = None
    range_message: ClassVar[Any] = None  # when set: the wording of a number out of range

    def problems(self) -> dict[str, Any]:
        """Rules between fields, by dotted path relative to this object ({} when none)."""
        found: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Thresholds):
                for path, problem in value.problems().items():
                    found.setdefault(f"{name}.{path}", problem)
        return found

    @classmethod
    def message(cls, error: Mapping[str, Any], field: FieldInfo | None) -> Any:
        """The words for one pydantic error on ``field`` (None: the field is unknown)."""
        kind = error["type"]
        if kind == "config_rule":
            return error["ctx"]["message"]
        if kind == "missing":
            return cls.missing_message
        if kind == "extra_forbidden":
            return cls.unknown_message
        if kind == "bool_type":
            return _("Must be true or false.")
        if kind in OBJECT_ERRORS:
            return _("Must be a JSON object.")
        low, high = _bounds(field)
        if kind in INTEGER_ERRORS and cls.integer_type_message is not None:
            return cls.integer_type_message
        if kind in NUMBER_ERRORS and cls.number_type_message is not None:
            return cls.number_type_message
        if kind in RANGE_ERRORS and cls.range_message is not None:
            return cls.range_message % {"low": low, "high": high}
        if kind in NUMBER_ERRORS or _is_float(field):
            return cls.number_message % {"low": low, "high": high}
        if kind in INTEGER_ERRORS or kind in RANGE_ERRORS:
            return cls.integer_message % {"low": low, "high": high}
        return error["msg"]


def _bounds(field: FieldInfo | None) -> tuple[Any, Any]:
    low = high = None
    for rule in field.metadata if field is not None else ():
        if isinstance(rule, Ge):
            low = rule.ge
        elif isinstance(rule, Le):
            high = rule.le
    return low, high


def _is_float(field: FieldInfo | None) -> bool:
    return field is not None and field.annotation is float


def _field_at(schema: type[BaseModel], loc: tuple) -> tuple[type[Thresholds], FieldInfo | None]:
    """The schema that holds the field at ``loc`` (it words the problem), and the field."""
    holder, field = schema, None
    for part in loc:
        fields = holder.model_fields if isinstance(holder, type) else {}
        field = fields.get(part) if isinstance(part, str) else None
        if field is None:
            break
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Thresholds) and part != loc[-1]:
            holder = annotation
    return holder, field


def threshold_problems(schema: type[Thresholds], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every problem of ``raw`` by dotted path ({} when ``schema`` accepts it)."""
    problems: dict[str, Any] = {}
    try:
        parsed = schema.model_validate(dict(raw))
    except ValidationError as refused:
        for error in refused.errors():
            loc = tuple(error["loc"])
            holder, field = _field_at(schema, loc)
            problems.setdefault(".".join(str(part) for part in loc), holder.message(error, field))
    else:
        problems.update(parsed.problems())
    return problems


def checked_thresholds(schema: type[Thresholds], raw: Any, *, prefix: str = "") -> dict[str, Any]:
    """A copy of ``raw`` when ``schema`` accepts it, else ``ValidationFailed`` (code
    ``invalid_thresholds``) naming every problem as ``prefix`` + its dotted path."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed(
            code="invalid_thresholds",
            fields={prefix.rstrip(".") or "thresholds": _("Must be a JSON object.")},
        )
    problems = threshold_problems(schema, raw)
    if problems:
        raise ValidationFailed(
            schema.refused_message,
            code="invalid_thresholds",
            fields={prefix + path: problem for path, problem in problems.items()},
        )
    return copy.deepcopy(dict(raw))


def bounded_schema(
    name: str,
    integers: Mapping[str, tuple[int, int]],
    *,
    booleans: Sequence[str] = (),
    base: type[Thresholds] = Thresholds,
) -> type[Thresholds]:
    """A flat schema: whole numbers within inclusive (low, high) bounds and booleans, every one
    required; ``base`` adds the rules between fields."""
    fields: dict[str, Any] = {
        field: (Annotated[int, Field(ge=low, le=high)], ...)
        for field, (low, high) in integers.items()
    }
    fields.update({field: (bool, ...) for field in booleans})
    return create_model(name, __base__=base, **fields)


def merge_changes(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: objects key by key, other values replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_changes(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
