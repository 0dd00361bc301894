"""Amounts in Chinese capital numerals (大写金额), as contracts and cheques write them.

Capitals (壹贰叁…) cannot be turned into a larger number by adding a stroke, which is why a
contract states the principal in both figures and capitals. The rules follow the PBoC
payment-settlement conventions (支付结算办法):

- units run 拾 佰 仟 within a group of four digits, and the groups are 万 and 亿;
- one 零 stands for any run of zeros between two non-zero digits, across groups too
  (1,005 → 壹仟零伍; 1,0000,0500 → 壹亿零伍佰); zeros at the end of the yuan are silent;
- a whole-yuan amount ends in 整; 角 without 分 also ends in 整 (the rules allow either; writing
  it closes the amount against additions); an amount with 分 never ends in 整;
- 元零伍分: a zero 角 between 元 and a non-zero 分 is written as 零;
- amounts under one yuan start at the 角 or 分 (伍角整, 伍分), zero is 零元整;
- 拾 is always preceded by its digit (壹拾元整, not 拾元整), as banks require.

Pure function, no Django: the input is integer fen.
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP_UNITS = ("仟", "佰", "拾", "")
_GROUP_UNITS = ("", "万", "亿")
# 9999,9999,9999.99 yuan: beyond 亿 groups the 万亿 spelling is ambiguous, and no contract here
# comes near it.
MAX_FEN = 10**12 * 100 - 1


def _group_words(group: int) -> str:
    """The words of one group of four digits (1..9999), without leading 零."""
    words, pending_zero = [], False
    for position, digit in enumerate(f"{group:04d}"):
        value = int(digit)
        if value == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words.append(DIGITS[0])
            pending_zero = False
        words.append(DIGITS[value] + _IN_GROUP_UNITS[position])
    return "".join(words)


def _yuan_words(yuan: int) -> str:
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10_000)
        groups.append(group)
    words, pending_zero = [], False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(words)
            continue
        if words and (pending_zero or group < 1000):
            words.append(DIGITS[0])
        words.append(_group_words(group) + _GROUP_UNITS[index])
        pending_zero = False
    return "".join(words)


def amount_in_capitals(fen: int) -> str:
    """``1234567`` (fen) → ``"壹万贰仟叁佰肆拾伍元陆角柒分"``.

    Refuses anything but a non-negative ``int`` of fen up to ``MAX_FEN`` (``ValueError``): a
    float or a negative amount in a contract is a bug upstream, not something to spell.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValueError(f"amount must be an int of fen, got {type(fen).__name__}")
    if fen < 0 or fen > MAX_FEN:
        raise ValueError(f"amount out of range: {fen}")
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    head = _yuan_words(yuan) + "元" if yuan else ""
    if cents == 0:
        return head + "整"
    if fen_digit == 0:
        return head + DIGITS[jiao] + "角整"
    if jiao == 0:
        return head + (DIGITS[0] if yuan else "") + DIGITS[fen_digit] + "分"
    return head + DIGITS[jiao] + "角" + DIGITS[fen_digit] + "分"
