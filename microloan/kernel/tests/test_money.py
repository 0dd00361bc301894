import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.money import (
    MoneyFormatError,
    format_yuan,
    parse_yuan,
    parse_yuan_display,
    to_yuan_str,
)

FEN = st.integers(min_value=-(10**15), max_value=10**15)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("0", 0),
        ("0.01", 1),
        ("0.1", 10),
        ("1234.56", 123456),
        ("007.00", 700),
        ("1000000.00", 100_000_000),
    ],
)
def test_parse_yuan_accepts(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.234",
        "abc",
        "1.",
        ".5",
        "1e3",
        "NaN",
        "0x10",
        "1,234.56",  # grouping
        "1,000",
        "¥12",
        "￥12",
        "-0.05",  # signs
        "+7.00",
        " 42.5",  # surrounding spaces
        "42.5 ",
        "42.5\n",
        "\u00a042.5",  # NBSP
        "42.5\u00a0",
        "1 000",
        "１２３.４５",  # full-width digits: int() reads them
        "١٢٣.٤٥",  # Arabic-Indic digits: int() reads them too
        "१२३",  # Devanagari
        "12.3４",
        "1_000",
    ],
)
def test_parse_yuan_refuses_anything_but_plain_ascii(text):
    with pytest.raises(MoneyFormatError) as info:
        parse_yuan(text, field="amount")
    assert info.value.code == "invalid_amount"
    assert "amount" in info.value.fields
    assert info.value.status == 422


@pytest.mark.parametrize("value", [15, 1.5, True, None, [], {"a": 1}])
def test_parse_yuan_refuses_non_string_types(value):
    with pytest.raises(MoneyFormatError):
        parse_yuan(value)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("¥1,234.56", 123456),
        ("￥12", 1200),
        ("-0.05", -5),
        ("+7.00", 700),
        (" 42.5 ", 4250),
        ("1,000,000.00", 100_000_000),
    ],
)
def test_parse_yuan_display_accepts_what_people_type(text, fen):
    assert parse_yuan_display(text) == fen


@pytest.mark.parametrize(
    "text", ["１２", "١٢", "1,23.00", "12,34", "--1", "¥", "1.234", "\u00a012"]
)
def test_parse_yuan_display_refuses_other_digits_and_bad_groups(text):
    with pytest.raises(MoneyFormatError):
        parse_yuan_display(text)


def test_parse_yuan_refuses_absurd_size():
    with pytest.raises(MoneyFormatError):
        parse_yuan("9" * 30)


@pytest.mark.parametrize(
    ("fen", "display", "plain"),
    [
        (0, "¥0.00", "0.00"),
        (1, "¥0.01", "0.01"),
        (123456, "¥1,234.56", "1234.56"),
        (-5, "-¥0.05", "-0.05"),
        (100_000_000, "¥1,000,000.00", "1000000.00"),
    ],
)
def test_format_yuan(fen, display, plain):
    assert format_yuan(fen) == display
    assert to_yuan_str(fen) == plain


@given(FEN)
def test_display_form_round_trips(fen):
    assert parse_yuan_display(format_yuan(fen)) == fen


@given(st.integers(min_value=0, max_value=10**15))
def test_plain_form_round_trips(fen):
    assert parse_yuan(to_yuan_str(fen)) == fen


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_text_with_two_decimals_parses_exactly(whole, cents):
    assert parse_yuan(f"{whole}.{cents:02d}") == whole * 100 + cents
