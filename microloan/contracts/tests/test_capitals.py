"""大写金额: worked examples from the payment-settlement rules, and what is refused."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.contracts.capitals import DIGITS, MAX_FEN, amount_in_capitals

CASES = [
    (1_234_567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
    (0, "零元整"),
    (5, "伍分"),
    (50, "伍角整"),
    (55, "伍角伍分"),
    (100, "壹元整"),
    (105, "壹元零伍分"),
    (150, "壹元伍角整"),
    (1_000, "壹拾元整"),
    (1_001, "壹拾元零壹分"),
    (1_500, "壹拾伍元整"),
    (100_500, "壹仟零伍元整"),
    (101_000, "壹仟零壹拾元整"),
    (150_000, "壹仟伍佰元整"),
    (1_000_000, "壹万元整"),
    (1_000_500, "壹万零伍元整"),
    (1_005_000, "壹万零伍拾元整"),
    (1_050_000, "壹万零伍佰元整"),
    (10_000_000, "壹拾万元整"),
    (10_050_000, "壹拾万零伍佰元整"),
    (10_700_053, "壹拾万柒仟元伍角叁分"),
    (400_000_000, "肆佰万元整"),
    (1_000_000_000, "壹仟万元整"),
    (10_000_000_000, "壹亿元整"),
    (10_000_500_000, "壹亿零伍仟元整"),
    (10_050_000_000, "壹亿零伍拾万元整"),
    (10_500_000_000, "壹亿零伍佰万元整"),
    (10_000_000_100, "壹亿零壹元整"),
    (123_400_000_000, "壹拾贰亿叁仟肆佰万元整"),
    (MAX_FEN, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("fen", "words"), CASES)
def test_amount_in_capitals(fen, words):
    assert amount_in_capitals(fen) == words


@pytest.mark.parametrize("bad", [-1, MAX_FEN + 1, 1.5, "100", True, None])
def test_refuses_what_is_not_a_non_negative_int_of_fen(bad):
    with pytest.raises(ValueError):
        amount_in_capitals(bad)


def _parse(words: str) -> int:
    """An independent reader of the capitals, to check round trips."""
    if words == "零元整":
        return 0
    values = {ch: i for i, ch in enumerate(DIGITS)}
    small = {"拾": 10, "佰": 100, "仟": 1000}
    total = section = number = 0
    yuan_part, _, cents = words.partition("元") if "元" in words else ("", "", words)
    for ch in yuan_part:
        if ch in values:
            number = values[ch]
        elif ch in small:
            section += number * small[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
    total += section + number
    fen = total * 100
    for digit, unit in itertools.pairwise(cents):
        if unit == "角":
            fen += values[digit] * 10
        elif unit == "分":
            fen += values[digit]
    return fen


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_capitals_read_back_to_the_same_amount(fen):
    words = amount_in_capitals(fen)
    assert _parse(words) == fen
    assert not words.startswith("零") or fen == 0
    assert "零零" not in words
    assert words.endswith("整") != words.endswith("分")
