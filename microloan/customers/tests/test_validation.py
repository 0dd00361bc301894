"""Pure validation rules: tables of valid and invalid values. No database."""

import datetime as dt

import pytest
from stdnum.cn import ric

from microloan.customers.synthetic import make_card_number, make_id_number
from microloan.customers.testing import customer_data
from microloan.customers.validation import (
    REGISTRATION_CONSENTS,
    CustomerDataInvalid,
    FieldInvalid,
    age_on,
    check_card_number,
    check_id_expiry,
    check_id_number,
    check_monthly_income,
    check_name,
    check_phone,
    normalise_card,
    normalise_id_number,
    normalise_phone,
    validate_changes,
    validate_registration,
)

TODAY = dt.date(2026, 1, 1)


def _with_check_digit(body17: str) -> str:
    """The check digit computed by stdnum itself, independently of the code under test."""
    return body17 + ric.calc_check_digit(body17 + "0")


def _code(check, *args, **kwargs) -> str:
    with pytest.raises(FieldInvalid) as refused:
        check(*args, **kwargs)
    return refused.value.code


# --- resident ID numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "birth_date", "gender", "province"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female", "北京市"),
        ("11010519491231002x", dt.date(1949, 12, 31), "female", "北京市"),  # lower-case x
        (_with_check_digit("31010419900517123"), dt.date(1990, 5, 17), "male", "上海市"),
        (_with_check_digit("12010120000229004"), dt.date(2000, 2, 29), "female", "天津市"),
        (" 110105 19491231 002X ", dt.date(1949, 12, 31), "female", "北京市"),
    ],
)
def test_valid_id_numbers_give_birth_date_and_gender(number, birth_date, gender, province):
    resident = check_id_number(number, today=TODAY)
    assert resident.birth_date == birth_date
    assert resident.gender == gender
    assert resident.province == province
    assert resident.number == normalise_id_number(number)
    assert len(resident.number) == 18


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "invalid_id_number"),
        ("110105194912310", "invalid_id_number"),  # old 15-digit number
        ("1101051949123100211", "invalid_id_number"),  # 19 characters
        ("11010519491231002A", "invalid_id_number"),
        ("X10105194912310021", "invalid_id_number"),
        ("110105194912310021", "invalid_id_number"),  # wrong check digit (should be X)
        (_with_check_digit("11010519491332002"), "invalid_birth_date"),  # month 13
        (_with_check_digit("11010519490230002"), "invalid_birth_date"),  # 30 February
        (_with_check_digit("11010520260102002"), "invalid_birth_date"),  # after today
        (_with_check_digit("11010518991231002"), "invalid_birth_date"),  # before 1900
        (_with_check_digit("99999919900101002"), "id_region_unknown"),
        (_with_check_digit("44030519750101002"), "id_region_unknown"),  # Nanshan: since 1990
    ],
)
def test_invalid_id_numbers_are_refused_with_their_code(number, code):
    assert _code(check_id_number, number, today=TODAY) == code


def test_a_birth_date_on_the_business_date_is_possible():
    number = make_id_number(birth_date=TODAY, sequence=1, region="110105")
    assert check_id_number(number, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (dt.date(2008, 1, 2), dt.date(2026, 1, 1), 17),
        (dt.date(2008, 1, 1), dt.date(2026, 1, 1), 18),
        (dt.date(2000, 2, 29), dt.date(2018, 2, 28), 17),
        (dt.date(2000, 2, 29), dt.date(2018, 3, 1), 18),
        (dt.date(1990, 12, 31), dt.date(2026, 12, 30), 35),
    ],
)
def test_age_on_a_date(birth, on, age):
    assert age_on(birth, on) == age


# --- phones, cards, names, money, expiry -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "national"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_valid_mobile_numbers(text, national):
    assert check_phone(text) == national
    assert normalise_phone(text) == "+86" + national


@pytest.mark.parametrize(
    "text",
    ["", "1381234567", "138123456789", "01012345678", "+1 650 253 0000", "12345678901", "abc"],
)
def test_invalid_mobile_numbers(text):
    assert _code(check_phone, text) == "invalid_phone"


@pytest.mark.parametrize(
    "text",
    [
        make_card_number(prefix="622202", length=16, serial=123),
        make_card_number(prefix="622848", length=19, serial=98765),
        make_card_number(prefix="6222", length=17, serial=5),
    ],
)
def test_valid_card_numbers(text):
    assert check_card_number(text) == normalise_card(text)


def test_card_numbers_may_be_typed_with_spaces():
    number = make_card_number(prefix="622202", length=16, serial=77)
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert check_card_number(spaced) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        make_card_number(prefix="6222", length=15, serial=1),  # too short
        make_card_number(prefix="6222", length=20, serial=1),  # too long
        "6222020000000000019",  # Luhn fails
        "62220200000000a0018",
    ],
)
def test_invalid_card_numbers(text):
    assert _code(check_card_number, text) == "invalid_card"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("张三", "张三"),
        (" 欧阳  娜娜 ", "欧阳 娜娜"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("Li Lei", "Li Lei"),
    ],
)
def test_valid_names(text, clean):
    assert check_name(text) == clean


@pytest.mark.parametrize("text", ["", "张", "张3", "x" * 31, "·张三", "张三<b>"])
def test_invalid_names(text):
    assert _code(check_name, text) == "invalid_name"


@pytest.mark.parametrize(
    ("value", "fen"), [("8000.00", 800_000), ("0", 0), ("1234.5", 123_450), (500, 500)]
)
def test_income(value, fen):
    assert check_monthly_income(value) == fen


@pytest.mark.parametrize(
    ("value", "code"),
    [("-1.00", "invalid_amount"), (-1, "invalid_income"), ("abc", "invalid_amount"),
     (12.5, "invalid_amount"), ("1.234", "invalid_amount"), ("1,234.5", "invalid_amount"),
     ("８０００", "invalid_amount")],
)  # fmt: skip
def test_invalid_income(value, code):
    assert _code(check_monthly_income, value) == code


@pytest.mark.parametrize(
    ("value", "birth", "result"),
    [
        ("2026-01-01", dt.date(1990, 1, 1), dt.date(2026, 1, 1)),  # expires today: still valid
        (dt.date(2045, 12, 31), dt.date(1990, 1, 1), dt.date(2045, 12, 31)),
        (None, dt.date(1979, 12, 31), None),  # 46: valid for life
    ],
)
def test_valid_id_expiry(value, birth, result):
    assert check_id_expiry(value, today=TODAY, birth_date=birth) == result


@pytest.mark.parametrize(
    ("value", "birth", "code"),
    [
        ("2025-12-31", dt.date(1990, 1, 1), "id_expired"),
        ("2046-01-02", dt.date(1990, 1, 1), "invalid_id_expiry"),
        ("2030-02-30", dt.date(1990, 1, 1), "invalid_date"),
        (None, dt.date(1980, 1, 2), "id_expiry_required"),  # 45: must have a date
    ],
)
def test_invalid_id_expiry(value, birth, code):
    assert _code(check_id_expiry, value, today=TODAY, birth_date=birth) == code


# --- whole records ---------------------------------------------------------------------------


def test_a_valid_registration_gives_stored_values():
    data = customer_data(phone="+86 139-0000-1111", monthly_income="8000.50")
    checked = validate_registration(data, today=TODAY, required_consents=REGISTRATION_CONSENTS)
    customer = checked.customer
    assert customer.phone == "13900001111"
    assert customer.monthly_income == 800_050
    assert customer.birth_date == dt.date(1990, 5, 17)
    assert checked.consents == [
        ("personal_information", "2026.1"),
        ("sensitive_financial_account", "2026.1"),
    ]


def test_every_problem_is_reported_at_once_with_its_own_code():
    data = customer_data(
        name="张",
        id_number="110105194912310021",
        phone="12345",
        bank_card_number="6222020000000000019",
        monthly_income=-5,
        education="phd",
        address="",
        consents=[{"purpose": "personal_information", "text_version": "1"}],
        favourite_colour="blue",
    )
    with pytest.raises(CustomerDataInvalid) as refused:
        validate_registration(data, today=TODAY, required_consents=REGISTRATION_CONSENTS)
    codes = {name: p.code for name, p in refused.value.problems.items()}
    assert codes == {
        "name": "invalid_name",
        "id_number": "invalid_id_number",
        "phone": "invalid_phone",
        "bank_card_number": "invalid_card",
        "monthly_income": "invalid_income",
        "education": "invalid_choice",
        "address": "required",
        "consents": "consent_missing",
        "favourite_colour": "unknown_field",
    }
    assert refused.value.code == "customer_data_invalid"
    assert set(refused.value.fields) == set(codes)


def test_one_kind_of_problem_gives_its_code_to_the_error():
    with pytest.raises(CustomerDataInvalid) as refused:
        validate_registration(customer_data(phone="123"), today=TODAY)
    assert refused.value.code == "invalid_phone"
    assert refused.value.status == 422


def test_an_expired_id_card_is_refused():
    with pytest.raises(CustomerDataInvalid) as refused:
        validate_registration(customer_data(id_expiry="2025-06-30"), today=TODAY)
    assert refused.value.code == "id_expired"


def test_changes_refuse_identity_fields_and_check_the_rest():
    with pytest.raises(CustomerDataInvalid) as refused:
        validate_changes(
            {"name": "李四", "id_number": "x", "phone": "1", "employer": "新公司", "x": 1},
            today=TODAY,
            birth_date=dt.date(1990, 1, 1),
        )
    codes = {name: p.code for name, p in refused.value.problems.items()}
    assert codes == {
        "name": "field_not_updatable",
        "id_number": "field_not_updatable",
        "phone": "invalid_phone",
        "x": "unknown_field",
    }
    clean = validate_changes(
        {"phone": "13900001111", "monthly_income": "9000"}, today=TODAY, birth_date=TODAY
    )
    assert clean == {"phone": "13900001111", "monthly_income": 900_000}
