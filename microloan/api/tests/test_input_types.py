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

from microloan.api_root import api
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


# --- through HTTP: the refusal names the field and nothing is stored -------------------------


@pytest.fixture
def superuser_headers():
    from microloan.accounts.testing import bearer, make_staff, make_staff_token

    return bearer(make_staff_token(make_staff(is_superuser=True)))


def _post(client, url, payload, headers):
    return client.post(
        url, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-strict", **headers
    )


@pytest.mark.django_db
@pytest.mark.parametrize("term_months", ["12", True, 12.0, "١٢"])
def test_a_drawdown_term_must_be_a_json_integer(client, term_months):
    from microloan.accounts.testing import bearer, make_borrower_token

    payload = {
        "line_id": "line_x",
        "amount": "1000.00",
        "term_months": term_months,
        "method": "bullet",
    }
    headers = bearer(make_borrower_token("cust_strict"))
    response = _post(client, "/api/v1/lending/me/drawdowns", payload, headers)
    assert response.status_code == 422, response.content
    assert "term_months" in response.json()["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("flag", [1, 0, "true", "yes"])
def test_a_strategy_switch_must_be_a_json_boolean(client, superuser_headers, flag):
    response = client.patch(
        "/api/v1/collections/strategies/M1",
        {"sms": flag},
        content_type="application/json",
        **superuser_headers,
    )
    assert response.status_code == 422, response.content
    assert "sms" in response.json()["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("limit", "1,000.00", "invalid_amount"),
        ("limit", "１０００.００", "invalid_amount"),
        ("limit", " 1000.00", "invalid_amount"),
        ("limit", "-1000.00", "invalid_amount"),
        ("daily_rate", "0.000500001", "invalid_rate"),
        ("daily_rate", "٠.٠٠٠٥", "invalid_rate"),
        ("opened_on", 0, "validation_failed"),
    ],
)
def test_line_opening_refuses_what_could_mean_two_things(
    client, superuser_headers, field, value, code
):
    from microloan.lending.models import CreditLine

    payload = {
        "customer_id": "cust_strict",
        "product_version_id": "pv_strict",
        "limit": "1000.00",
        "daily_rate": "0.0005",
        "reason": "r",
        field: value,
    }
    response = _post(client, "/api/v1/lending/lines", payload, superuser_headers)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not CreditLine.objects.exists()


# --- money: a yuan string in every body, no fen twins in replies -------------------------------

MONEY_FIELDS = {"amount", "limit", "new_limit", "requested_amount", "monthly_income"}
REPLY_MONEY_FIELDS = MONEY_FIELDS | {
    "principal", "interest", "balance_after", "overdue", "recovered", "collected",
    "overdue_amount", "overdue_principal", "bad_principal", "limit_before", "old_limit",
    "proposed_limit", "granted_limit", "used", "available",
}  # fmt: skip


def test_money_in_a_body_is_a_yuan_string():
    problems = [
        f"{route} {path}: {leaf}"
        for route, operation in _operations()
        for model in operation.models
        if model.__ninja_param_source__ == "body"
        for path, leaf, _metadata in _fields(model)
        if path.rsplit(".", 1)[-1] in MONEY_FIELDS and leaf not in (str, type(None))
    ]
    assert problems == []


def _reply_fields(model, prefix=""):
    for name, info in model.model_fields.items():
        for leaf, _metadata in _leaves(info.annotation, []):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                yield from _reply_fields(leaf, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", leaf


def test_replies_carry_money_once_as_yuan():
    seen, problems = 0, []
    for route, operation in _operations():
        for model in (operation.response_models or {}).values():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            for path, leaf in _reply_fields(model):
                name = path.rsplit(".", 1)[-1]
                seen += name in REPLY_MONEY_FIELDS
                if name.endswith("_yuan") or name == "fen":
                    problems.append(f"{route} {path}: a fen/yuan twin")
                elif name in REPLY_MONEY_FIELDS and leaf not in (str, type(None)):
                    problems.append(f"{route} {path}: {leaf}")
    assert seen and problems == []
