"""Masking of personal data for screens, logs and the audit trail. Pure functions, no I/O.

Each masker keeps only what a member of staff needs to recognise a value (an ID's region
and check digits, a phone's carrier prefix and last four) and replaces the rest with ``*``.
Masking an already masked value gives the same value back, so masking twice is harmless.
Values too short to keep both ends are masked completely rather than shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MASK_CHAR = "*"
# A fixed tail for addresses: how long the hidden part is says nothing anyone needs.
ADDRESS_MASK_TAIL = MASK_CHAR * 4
ADDRESS_VISIBLE_CHARS = 6


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; mask everything between."""
    if len(value) <= head + tail:
        return MASK_CHAR * len(value)
    return value[:head] + MASK_CHAR * (len(value) - head - tail) + value[len(value) - tail :]


def _compact(value: str) -> str:
    """Drop the spaces and dashes people type inside numbers ("6222 0212 …", "138-1234-…")."""
    return "".join(ch for ch in value.strip() if ch not in " -")


def mask_id_number(value: str) -> str:
    """Resident ID: first 3 and last 4 ("11010519491231002X" -> "110***********002X")."""
    return _keep_ends(_compact(value), 3, 4)


def mask_phone(value: str) -> str:
    """Mobile number: first 3 and last 4 ("13812345678" -> "138****5678")."""
    return _keep_ends(_compact(value), 3, 4)


def mask_card(value: str) -> str:
    """Bank card: first 6 (the issuer) and last 4 ("6222021234567890" -> "622202******7890")."""
    return _keep_ends(_compact(value), 6, 4)


def mask_name(value: str) -> str:
    """Person's name: first character only ("张三丰" -> "张**"); a one-character name is hidden."""
    value = value.strip()
    if len(value) <= 1:
        return MASK_CHAR * len(value)
    return value[0] + MASK_CHAR * (len(value) - 1)


def mask_address(value: str) -> str:
    """Address: the first 6 characters (province/city) then a fixed ``****``."""
    value = value.strip()
    if len(value) <= ADDRESS_VISIBLE_CHARS:
        return MASK_CHAR * len(value)
    return value[:ADDRESS_VISIBLE_CHARS] + ADDRESS_MASK_TAIL


def mask_email(value: str) -> str:
    """E-mail: first character of the local part, whole domain ("zs@qq.com" -> "z*@qq.com")."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return MASK_CHAR * len(value)
    return mask_name(local) + "@" + domain


# The keys whose values are personal data, and how each is masked. Keys are compared in lower
# case. The list is explicit on purpose: suffix matching would mask "product_name" and
# "file_name". Add a key here when a new kind of personal data appears in records or logs.
PERSONAL_DATA_MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "resident_id": mask_id_number,
    "id_card": mask_id_number,
    "id_card_number": mask_id_number,
    "phone": mask_phone,
    "mobile": mask_phone,
    "phone_number": mask_phone,
    "mobile_number": mask_phone,
    "contact_phone": mask_phone,
    "card_number": mask_card,
    "bank_card": mask_card,
    "bank_card_number": mask_card,
    "bank_account": mask_card,
    "account_number": mask_card,
    "name": mask_name,
    "full_name": mask_name,
    "real_name": mask_name,
    "borrower_name": mask_name,
    "customer_name": mask_name,
    "contact_name": mask_name,
    "address": mask_address,
    "home_address": mask_address,
    "work_address": mask_address,
    "residential_address": mask_address,
    "email": mask_email,
}
PERSONAL_DATA_KEYS: frozenset[str] = frozenset(PERSONAL_DATA_MASKERS)


def is_personal_data_key(key: str) -> bool:
    return key.lower() in PERSONAL_DATA_MASKERS


def _mask_all_leaves(masker: Callable[[str], str], value: Any) -> Any:
    """Mask every scalar inside ``value`` with ``masker`` (a personal key holding a structure)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {k: _mask_all_leaves(masker, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_all_leaves(masker, v) for v in value]
    return masker(str(value))


def mask_value(key: str, value: Any) -> Any:
    """Mask ``value`` if ``key`` names personal data; return it unchanged otherwise.

    ``None`` stays ``None``; numbers under a personal key are masked as text (a phone stored as
    an int is still a phone); a dict or list under a personal key has every leaf masked.
    """
    masker = PERSONAL_DATA_MASKERS.get(key.lower())
    if masker is None:
        return value
    return _mask_all_leaves(masker, value)


def mask_personal_data(data: Any) -> Any:
    """A copy of ``data`` (nested dicts/lists) with the value of every personal key masked."""
    if isinstance(data, dict):
        return {
            key: (
                mask_value(key, value)
                if isinstance(key, str) and is_personal_data_key(key)
                else mask_personal_data(value)
            )
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_personal_data(item) for item in data]
    return data
