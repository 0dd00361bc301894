"""Synthetic but valid personal data for demos and tests: resident ID numbers with correct check
digits and real region codes, Luhn-valid bank card numbers, real-format mobile numbers. Pure.

Nothing here is a real person's data; the values only pass the format checks.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum import luhn
from stdnum.cn import ric

# Region codes valid for every birth year from 1935 to 2011 (some districts were created or
# renamed later, and ``stdnum`` checks the code against the birth year).
STABLE_REGIONS = ("110101", "110102", "110105", "110108", "120101", "310101", "310104")
# More regions, each valid only for some birth years: ``random_id_number`` retries until valid.
OTHER_REGIONS = (
    "130102", "210102", "320102", "330102", "370102", "420102", "440103", "440106", "500103",
    "510104", "610102",
)  # fmt: skip
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "158", "182", "186")
MOBILE_PREFIXES += ("130", "131", "132", "155", "156", "133", "153", "180", "189", "199")
# (card BIN, bank name, card length)
CARD_ISSUERS = (
    ("622202", "中国工商银行", 19),
    ("621700", "中国建设银行", 19),
    ("622848", "中国农业银行", 19),
    ("621661", "中国银行", 19),
    ("622588", "招商银行", 16),
    ("622262", "交通银行", 19),
)


def make_id_number(*, birth_date: dt.date, sequence: int, region: str = "110105") -> str:
    """An 18-character ID number; ``sequence`` 1–999 (odd: male, even: female)."""
    if not 0 < sequence < 1000:
        raise ValueError("sequence must be 1 to 999")
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_card_number(*, prefix: str = "622202", length: int = 16, serial: int = 1) -> str:
    """A Luhn-valid card number: ``prefix``, ``serial`` zero-padded, then the check digit."""
    width = length - len(prefix) - 1
    body = f"{prefix}{serial:0{width}d}"
    if len(body) != length - 1:
        raise ValueError("serial too large for this prefix and length")
    return body + luhn.calc_check_digit(body)


def random_id_number(rng: random.Random, *, birth_date: dt.date, male: bool) -> str:
    """A valid ID number for ``birth_date`` in a randomly chosen region."""
    regions = list(OTHER_REGIONS) + list(STABLE_REGIONS)
    rng.shuffle(regions)
    sequence = rng.randrange(0, 499) * 2 + (1 if male else 2)
    for region in [*regions, *STABLE_REGIONS]:
        number = make_id_number(birth_date=birth_date, sequence=sequence, region=region)
        if ric.is_valid(number):
            return number
    raise ValueError(f"no stable region is valid for {birth_date}")


def random_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def random_card(rng: random.Random) -> tuple[str, str]:
    """(card number, bank name)."""
    prefix, bank, length = rng.choice(CARD_ISSUERS)
    serial = rng.randrange(10 ** (length - len(prefix) - 1))
    return make_card_number(prefix=prefix, length=length, serial=serial), bank
