"""The canonical form and the record hash: pure, no database."""

import datetime as dt
import json

import pytest

from microloan.audit.chain import GENESIS_HASH, HASHED_FIELDS, canonical_json, compute_record_hash


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-0.0, "0"),  # PostgreSQL jsonb has no negative zero
        (1, "1"),
        (1.0, "1"),
        (1.5, "1.5"),
        (100, "1E+2"),
        (1e20, "1E+20"),
        (100000000000000000000, "1E+20"),  # what jsonb hands back for 1e20
        (1e-7, "1E-7"),
        ("张三", '"张三"'),
        ('a"b\n', '"a\\"b\\n"'),
        ([1, "x", None], '[1,"x",null]'),
        ({"b": 1, "a": {"d": [], "c": 2}}, '{"a":{"c":2,"d":[]},"b":1}'),
    ],
)
def test_canonical_json(value, text):
    assert canonical_json(value) == text


def test_canonical_json_refuses_non_json_values():
    with pytest.raises(TypeError):
        canonical_json({"when": dt.date(2026, 1, 1)})


def _fields(**overrides):
    fields = {
        "seq": 1,
        "created_at": dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC),
        "actor_kind": "staff",
        "actor_id": "clerk01",
        "action": "loan.written_off",
        "object_type": "loan",
        "object_id": "loan_01",
        "before": {"status": "overdue"},
        "after": {"status": "written_off"},
        "request_id": "req-1",
        "prev_hash": GENESIS_HASH,
    }
    return fields | overrides


def test_hash_is_sha256_hex_and_independent_of_key_order_and_time_zone():
    digest = compute_record_hash(_fields())
    assert len(digest) == 64 and int(digest, 16) >= 0
    shanghai = dt.timezone(dt.timedelta(hours=8))
    same_moment = dt.datetime(2026, 1, 1, 17, 30, tzinfo=shanghai)
    reordered = json.loads(json.dumps(_fields(created_at=same_moment), default=str))
    reordered["created_at"] = same_moment
    assert compute_record_hash(reordered) == digest


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"created_at": dt.datetime(2026, 1, 1, 9, 30, 0, 1, tzinfo=dt.UTC)},
        {"actor_id": "clerk02"},
        {"action": "loan.frozen"},
        {"object_id": "loan_02"},
        {"before": {"status": "current"}},
        {"after": None},
        {"request_id": ""},
        {"prev_hash": "f" * 64},
    ],
)
def test_every_hashed_field_changes_the_hash(change):
    assert compute_record_hash(_fields(**change)) != compute_record_hash(_fields())


def test_hash_needs_exactly_the_hashed_fields():
    with pytest.raises(ValueError):
        compute_record_hash({k: v for k, v in _fields().items() if k != "request_id"})
    assert len(HASHED_FIELDS) == 11
