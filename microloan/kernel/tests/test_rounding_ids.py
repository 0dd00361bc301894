from decimal import Decimal

import pytest

from microloan.kernel.errors import ValidationFailed
from microloan.kernel.ids import is_public_id, new_public_id
from microloan.kernel.rounding import format_percent, parse_rate, round_fen


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.5", "half_up", 3),
        ("2.5", "half_even", 2),
        ("3.5", "half_even", 4),
        ("2.49999", "half_up", 2),
        ("2.00001", "up", 3),
        ("2.99999", "down", 2),
        ("-2.5", "half_up", -3),
        ("0", "half_up", 0),
    ],
)
def test_round_fen(value, mode, expected):
    assert round_fen(Decimal(value), mode) == expected


def test_round_fen_unknown_mode():
    with pytest.raises(ValueError):
        round_fen(Decimal(1), "banker")


@pytest.mark.parametrize("text", ["0.0005", "0", "0.99999999", "0.000500000000"])
def test_parse_rate_accepts(text):
    assert parse_rate(text) == Decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "-0.1",
        "+0.1",
        "1",
        "abc",
        "NaN",
        "Infinity",
        0.0005,
        True,
        "",
        " 0.0005",
        "0.0005 ",
        "0.0005\u00a0",
        "1e-4",
        "０.０００５",  # full-width digits: Decimal() reads them
        "٠.٠٠٠٥",  # Arabic-Indic digits: Decimal() reads them too
        ".5",
        "0.",
        "0,0005",
        "0.000000001",  # nine decimals: the ninth would be cut on saving
        "0.00050000001",
    ],
)
def test_parse_rate_refuses(text):
    with pytest.raises(ValidationFailed) as info:
        parse_rate(text, field="daily_rate")
    assert info.value.code == "invalid_rate"
    assert "daily_rate" in info.value.fields


def test_format_percent():
    assert format_percent(Decimal("0.0005"), 3) == "0.050%"
    assert format_percent(Decimal("0.1825")) == "18.25%"


def test_public_ids_are_prefixed_unique_and_time_ordered():
    ids = [new_public_id("loan") for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(is_public_id(i, "loan") for i in ids)
    assert not is_public_id(ids[0], "app")
    # the first 10 characters after the prefix encode milliseconds: never decreasing
    stamps = [i[5:15] for i in ids]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("prefix", ["", "Loan", "a", "x" * 13, "loan_x"])
def test_bad_prefix(prefix):
    with pytest.raises(ValueError):
        new_public_id(prefix)


def test_parse_rate_takes_a_decimal_with_at_most_the_stored_places():
    assert parse_rate(Decimal("1E-8")) == Decimal("0.00000001")
    with pytest.raises(ValidationFailed):
        parse_rate(Decimal("1E-9"))
