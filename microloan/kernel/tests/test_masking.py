import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.masking import (
    PERSONAL_DATA_KEYS,
    mask_address,
    mask_card,
    mask_email,
    mask_id_number,
    mask_name,
    mask_personal_data,
    mask_phone,
    mask_value,
)


@pytest.mark.parametrize(
    ("masker", "raw", "masked"),
    [
        (mask_id_number, "11010519491231002X", "110***********002X"),
        (mask_id_number, "110105491231002", "110********1002"),  # old 15-digit ID
        (mask_id_number, " 11010519491231002X ", "110***********002X"),
        (mask_id_number, "1234567", "*******"),  # too short to keep both ends
        (mask_id_number, "", ""),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "138-1234-5678", "138****5678"),
        (mask_phone, "138 1234 5678", "138****5678"),
        (mask_phone, "5678", "****"),
        (mask_card, "6222021234567890", "622202******7890"),
        (mask_card, "6222 0212 3456 7890 123", "622202*********0123"),
        (mask_card, "6222021234", "**********"),
        (mask_name, "张三丰", "张**"),
        (mask_name, "张三", "张*"),
        (mask_name, "张", "*"),
        (mask_name, "Zhang San", "Z********"),
        (mask_address, "北京市朝阳区建国路88号", "北京市朝阳区****"),
        (mask_address, "广东省深圳市南山区", "广东省深圳市****"),
        (mask_address, "北京市", "***"),
        (mask_email, "zhangsan@example.com", "z*******@example.com"),
        (mask_email, "not-an-email", "************"),
    ],
)
def test_maskers(masker, raw, masked):
    assert masker(raw) == masked


@pytest.mark.parametrize(
    ("key", "value", "masked"),
    [
        ("id_number", "11010519491231002X", "110***********002X"),
        ("resident_id", "11010519491231002X", "110***********002X"),
        ("phone", "13812345678", "138****5678"),
        ("Mobile", 13812345678, "138****5678"),  # keys compare case-insensitively; ints masked
        ("bank_card", "6222021234567890", "622202******7890"),
        ("card_number", "6222021234567890", "622202******7890"),
        ("name", "张三丰", "张**"),
        ("address", "北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("phone", None, None),
        ("phone", ["13812345678", "13987654321"], ["138****5678", "139****4321"]),
        ("amount", "13812345678", "13812345678"),  # not personal: unchanged
        ("product_name", "微粒贷", "微粒贷"),
    ],
)
def test_mask_value_dispatches_by_key(key, value, masked):
    assert mask_value(key, value) == masked


def test_mask_personal_data_walks_nested_structures_and_leaves_the_input_alone():
    data = {
        "status": "active",
        "limit_fen": 2_000_000,
        "borrower": {"name": "张三丰", "phone": "13812345678", "tags": ["vip"]},
        "contacts": [{"contact_name": "李四", "contact_phone": "13900001111"}],
        "address": {"province": "北京市", "detail": "北京市朝阳区建国路88号"},
    }
    assert mask_personal_data(data) == {
        "status": "active",
        "limit_fen": 2_000_000,
        "borrower": {"name": "张**", "phone": "138****5678", "tags": ["vip"]},
        "contacts": [{"contact_name": "李*", "contact_phone": "139****1111"}],
        "address": {"province": "***", "detail": "北京市朝阳区****"},
    }
    assert data["borrower"]["name"] == "张三丰"


def test_the_documented_key_set_covers_the_brief():
    expected = {"id_number", "resident_id", "phone", "mobile", "card_number", "bank_card"}
    assert expected | {"name", "address"} <= PERSONAL_DATA_KEYS


@given(key=st.sampled_from(sorted(PERSONAL_DATA_KEYS)), value=st.text(max_size=40))
def test_masking_twice_changes_nothing(key, value):
    once = mask_value(key, value)
    assert mask_value(key, once) == once


@given(value=st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))
def test_a_masked_id_never_shows_the_birth_date(value):
    masked = mask_id_number(value)
    assert masked[6:14] == "********"
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:]
